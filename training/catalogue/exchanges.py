"""Turn the exchange pairing (strong town hosts, weak towns visit) into catalogue sessions in
one step: one session per host and competency, its visitors named, on consecutive working
days from a chosen first day — the training office then plans seats like any other session."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from training.catalogue.schemas import OfferingDraft

DAYS_APART = 2  # a host town does not receive two visits on one day


def pair_key() -> pl.Expr:
    """How a pairing row is named in the form, "competency:host:visitor" (the server
    recomputes the pairing and only accepts keys it produced)."""
    return pl.concat_str(
        [pl.col("competency"), pl.col("host").cast(pl.String), pl.col("visitor").cast(pl.String)],
        separator=":",
    )


def exchange_offerings(
    pairs: pl.DataFrame, chosen: set[str], first_day: date, capacity: int
) -> list[OfferingDraft]:
    """pairs: competency, competency_name, host, host_name, visitor, visitor_name (the
    pairing); `chosen`: the pair keys the office ticked."""
    picked = pairs.filter(pair_key().is_in(list(chosen)))
    sessions = (
        picked.group_by(["competency", "competency_name", "host", "host_name"], maintain_order=True)
        .agg(pl.col("visitor_name").sort())
        .sort(["host_name", "competency"])
    )
    return [
        OfferingDraft(
            kind="exchange",
            title=f"{row['host_name']}{row['competency_name']}经验交流"[:64],
            competencies={row["competency"]: 1.0},
            format="跨乡镇交流",
            venue_town=int(row["host"]),
            host_cadres=(
                f"{row['host_name']}班子成员介绍做法并现场观摩；来访：{'、'.join(row['visitor_name'])}"
            ),
            day=first_day + timedelta(days=DAYS_APART * index),
            capacity=capacity,
        )
        for index, row in enumerate(sessions.iter_rows(named=True))
    ]
