"""Simulated cycles with known truth: cadre abilities, rater severities, noise.

Used by the recovery tests, the aggregation benchmark and the demo's past cycles. Raters are
the cadres of each town (peers), one leader per town (superior) and one-off residents; each
cadre is rated by `peers` colleagues, the town leader and `residents` residents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

COMPETENCIES = (
    "political",
    "responsibility",
    "service",
    "lawful_admin",
    "teamwork",
    "digital",
    "conflict",
    "integrity",
)


@dataclass(frozen=True)
class SimulatedCycle:
    responses: pl.DataFrame  # the analytics contract's long frame
    truth: pl.DataFrame  # ratee_id, competency, true_score (μ + ability, 1–5 scale)
    severities: pl.DataFrame  # rater_id, true_severity (positive = strict)


def simulate_cycle(
    towns: int = 10,
    per_town: int = 30,
    peers: int = 4,
    residents: int = 5,
    seed: int = 0,
    competencies: tuple[str, ...] = COMPETENCIES,
    mu: float = 3.3,
    ability_sd: float = 0.45,
    severity_sd: float = 0.35,
    noise_sd: float = 0.55,
    noise_seed: int | None = None,
) -> SimulatedCycle:
    """`noise_seed`, when given, draws the rating noise apart from the truth: the same cadres
    and raters rated again, as in a later cycle."""
    rng = np.random.default_rng(seed)
    n = towns * per_town
    k = len(competencies)
    ratee = np.arange(1, n + 1)
    town = (ratee - 1) // per_town
    general = rng.normal(0, ability_sd * 0.7, n)
    ability = general[:, None] + rng.normal(0, ability_sd * 0.7, (n, k))
    severity = rng.normal(0, severity_sd, n + 1)  # index = rater id; cadres rate as peers
    leaders = town * per_town + 1  # the first cadre of each town leads the others
    rows_ratee, rows_rater, rows_group = [], [], []
    offsets = np.arange(1, peers + 1)
    position = (ratee - 1) % per_town
    peer_rater = town[:, None] * per_town + (position[:, None] + offsets[None, :]) % per_town + 1
    rows_ratee.append(np.repeat(ratee, peers))
    rows_rater.append(peer_rater.ravel())
    rows_group.append(np.full(n * peers, "peer"))
    led = ratee != leaders
    rows_ratee.append(ratee[led])
    rows_rater.append(leaders[led])
    rows_group.append(np.full(int(led.sum()), "superior"))
    resident_ids = -np.arange(1, n * residents + 1)  # one-off raters, no severity of their own
    rows_ratee.append(np.repeat(ratee, residents))
    rows_rater.append(resident_ids)
    rows_group.append(np.full(n * residents, "resident"))
    who = np.concatenate(rows_ratee)
    by = np.concatenate(rows_rater)
    group = np.concatenate(rows_group)
    pairs = len(who)
    rater_effect = np.where(by > 0, -severity[np.clip(by, 0, None)], 0.0)
    latent = (
        mu
        + ability[who - 1][:, :]
        + rater_effect[:, None]
        + (rng if noise_seed is None else np.random.default_rng(noise_seed)).normal(
            0, noise_sd, (pairs, k)
        )
    )
    levels = np.clip(np.rint(latent), 1, 5).astype(np.int64)
    responses = pl.DataFrame(
        {
            "ratee_id": np.repeat(who, k),
            "rater_id": np.repeat(np.where(by > 0, by, -by + 10_000_000), k),
            "rater_group": np.repeat(group, k),
            "competency": np.tile(np.array(competencies), pairs),
            "level": levels.ravel(),
        }
    )
    truth = pl.DataFrame(
        {
            "ratee_id": np.repeat(ratee, k),
            "competency": np.tile(np.array(competencies), n),
            "true_score": (mu + ability).ravel(),
        }
    )
    severities = pl.DataFrame({"rater_id": np.arange(1, n + 1), "true_severity": severity[1:]})
    return SimulatedCycle(responses=responses, truth=truth, severities=severities)


REALISTIC = (*COMPETENCIES, "land_transfer", "migrant_services")
RESIDENT_ITEMS = ("service", "conflict", "integrity", "migrant_services")


def simulate_realistic_cycle(
    towns: int,
    per_town: int,
    seed: int = 0,
    leaders: int = 2,
    peers: int = 6,
    residents: int = 10,
    cannot_observe: float = 0.06,
    mu: float = 3.3,
    noise_sd: float = 0.55,
) -> pl.DataFrame:
    """A province-shaped cycle in the analytics contract's long frame: every cadre rated by
    `leaders` town leaders (the town's first cadres; they are not rated by themselves), `peers`
    colleagues and themself on the ten competencies of an agricultural town with migrants, and
    by `residents` residents on the four items residents answer; peers and residents tick
    "cannot observe" on a share of items (those rows are absent, as in counted responses)."""
    rng = np.random.default_rng(seed)
    n = towns * per_town
    k = len(REALISTIC)
    ratee = np.arange(1, n + 1)
    town = (ratee - 1) // per_town
    position = (ratee - 1) % per_town
    ability = rng.normal(0, 0.32, n)[:, None] + rng.normal(0, 0.32, (n, k))
    severity = rng.normal(0, 0.35, n + 1)
    led = position >= leaders
    boss = (town[led][:, None] * per_town + np.arange(leaders)[None, :] + 1).ravel()
    offsets = np.arange(1, peers + 1)
    peer = town[:, None] * per_town + (position[:, None] + offsets[None, :]) % per_town + 1
    who = np.concatenate([np.repeat(ratee[led], leaders), np.repeat(ratee, peers), ratee])
    by = np.concatenate([boss, peer.ravel(), ratee])
    group = np.concatenate(
        [
            np.full(len(boss), "superior"),
            np.full(n * peers, "peer"),
            np.full(n, "self"),
        ]
    )
    latent = mu + ability[who - 1] - severity[by][:, None] + rng.normal(0, noise_sd, (len(who), k))
    item = np.tile(np.arange(k), len(who))
    keep = (np.repeat(group, k) != "peer") | (rng.random(len(who) * k) >= cannot_observe)
    cadre_rows = pl.DataFrame(
        {
            "ratee_id": np.repeat(who, k)[keep],
            "rater_id": np.repeat(by, k)[keep],
            "rater_group": np.repeat(group, k)[keep],
            "competency": np.array(REALISTIC)[item[keep]],
            "level": np.clip(np.rint(latent.ravel()[keep]), 1, 5).astype(np.int64),
        }
    )
    asked = np.array([REALISTIC.index(c) for c in RESIDENT_ITEMS])
    resident_of = np.repeat(ratee, residents)
    resident_id = 10_000_000 + np.arange(len(resident_of))
    resident_latent = (
        mu
        + ability[resident_of - 1][:, asked]
        + rng.normal(0, noise_sd, (len(resident_of), len(asked)))
    )
    answered = rng.random(resident_latent.shape).ravel() >= cannot_observe
    resident_rows = pl.DataFrame(
        {
            "ratee_id": np.repeat(resident_of, len(asked))[answered],
            "rater_id": np.repeat(resident_id, len(asked))[answered],
            "rater_group": np.full(int(answered.sum()), "resident"),
            "competency": np.tile(np.array(RESIDENT_ITEMS), len(resident_of))[answered],
            "level": np.clip(np.rint(resident_latent.ravel()[answered]), 1, 5).astype(np.int64),
        }
    )
    return pl.concat([cadre_rows, resident_rows])
