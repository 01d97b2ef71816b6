"""What the training plan page shows beside a plan, as rows the page reads: the demand the
catalogue leaves uncovered, the cross-town exchange pairing (on the 360 results and on the
scorecard's lagging indicators), and the exchange sessions the office ticks into being."""

from __future__ import annotations

from datetime import date

import msgspec

from evaluation.rows import rows_of
from training.catalogue.exchanges import exchange_offerings, pair_key
from training.catalogue.schemas import OfferingDraft
from training.insight import repository


class ExchangePair(msgspec.Struct, frozen=True, kw_only=True):
    """A host town strong in a competency and a visiting town weak in it."""

    key: str  # "competency:host:visitor", the form's value for this pair
    competency: str
    competency_name: str | None
    host: int
    host_name: str | None
    visitor: int
    visitor_name: str | None
    benefit: float
    reciprocal: bool


class IndicatorExchange(msgspec.Struct, frozen=True, kw_only=True):
    """The same pairing on one scorecard indicator the visiting town lags on."""

    indicator_name: str | None
    host_name: str | None
    visitor_name: str | None
    benefit: float
    reciprocal: bool


async def demand_messages(cycle_id: int) -> list[str]:
    """The demand report's sentence for each weakness it weighs ('' where the catalogue seats
    the demand; the page says 无 when every one is blank)."""
    report = await repository.demand_report(cycle_id)
    return [m or "" for m in report["message"].to_list()]


async def exchange_pairs(cycle_id: int) -> list[ExchangePair]:
    pairs = await repository.exchange_plan(cycle_id)
    return rows_of(pairs.with_columns(key=pair_key()), ExchangePair) if pairs.height else []


async def scorecard_exchanges() -> tuple[int | None, list[IndicatorExchange]]:
    year, pairs = await repository.scorecard_exchange_plan()
    return year, rows_of(pairs, IndicatorExchange) if pairs.height else []


async def exchange_sessions(
    cycle_id: int, chosen: set[str], first_day: date, capacity: int
) -> list[OfferingDraft]:
    """The sessions for the ticked pairs the pairing still offers (none when it offers none
    of them: the server recomputes the pairing and accepts only keys it produced)."""
    pairs = await repository.exchange_plan(cycle_id)
    offered = set(pairs.select(pair_key()).to_series().to_list()) if pairs.height else set()
    if not chosen & offered:
        return []
    return exchange_offerings(pairs, chosen & offered, first_day, capacity)
