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
