"""The release rule against an attacker (tests/evaluation/attacker.py): cycles with groups
of every small size and "cannot observe" gaps, everything the office (and so the cadre)
and every leader is shown, solved as one linear system per reader — no protected group's
mean may come out. Cells whose groups are all large enough keep every number."""

from __future__ import annotations

import os

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.analytics.calibration import calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.pipeline import CycleResults, aggregate, minimum_responses
from evaluation.analytics.release import restrict_for_rater
from evaluation.analytics.weighting import combine, group_scores
from evaluation.rubrics.loader import load_default_rubric
from tests.evaluation.attacker import COUNTED, Cell, linear_equation, recovered, unknown_mean

RUBRIC = load_default_rubric()
EXAMPLES = int(os.environ.get("ATTACKER_EXAMPLES", "400"))  # make fuzz: 5000


@st.composite
def cycles(draw: st.DrawFn) -> tuple[pl.DataFrame, dict[str, float]]:
    cadres = draw(st.integers(2, 5))
    competencies = [f"k{j}" for j in range(draw(st.integers(1, 3)))]
    leaders = list(range(1000, 1000 + draw(st.integers(1, 4))))
    colleagues = list(range(2000, 2000 + draw(st.integers(2, 8))))
    rows: list[dict[str, object]] = []
    response = 0
    for ratee in range(1, cadres + 1):
        sizes = {
            "superior": draw(st.integers(0, min(3, len(leaders)))),
            "peer": draw(st.integers(0, min(5, len(colleagues)))),
            "resident": draw(st.integers(0, 5)),
            "mystery": draw(st.integers(0, 1)),
            "self": draw(st.integers(0, 1)),
        }
        raters = {
            "superior": draw(st.permutations(leaders))[: sizes["superior"]],
            "peer": draw(st.permutations(colleagues))[: sizes["peer"]],
            "resident": [None] * sizes["resident"],
            "mystery": [900] * sizes["mystery"],
            "self": [ratee] * sizes["self"],
        }
        for group, who in raters.items():
            for rater in who:
                response += 1
                for competency in competencies:
                    level = draw(
                        st.one_of(st.none(), st.integers(1, 5))
                        if group != "self"
                        else st.integers(1, 5)
                    )
                    rows.append(
                        {
                            "response_id": response,
                            "ratee_id": ratee,
                            "rater_id": rater,
                            "rater_group": group,
                            "competency": competency,
                            "level": level,
                        }
                    )
    resident = draw(st.sampled_from([0.3, 0.4, 0.6]))
    superior = draw(st.sampled_from([0.1, 0.35, 0.5]))
    superior = min(superior, 1 - resident)
    mystery = draw(st.sampled_from([0.0, 0.0, 0.1]))
    mystery = min(mystery, 1 - resident - superior)
    weights = {
        "superior": superior,
        "peer": round(1 - resident - superior - mystery, 6),
        "resident": resident,
        "mystery": mystery,
    }
    frame = pl.DataFrame(
        rows,
        schema={
            "response_id": pl.Int64,
            "ratee_id": pl.Int64,
            "rater_id": pl.Int64,
            "rater_group": pl.String,
            "competency": pl.String,
            "level": pl.Int64,
        },
    )
    return frame, weights


def internals(frame: pl.DataFrame, weights: dict[str, float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the attacker is granted beyond the release: every calibration constant (each
    group's offset from raw to calibrated mean, each group's coefficient in the headline)."""
    coded = encode(frame)
    calibration = calibrate(coded, weights)
    groups = group_scores(coded, calibration)
    return groups.with_columns(
        pl.col("rater_group").cast(pl.String),
        offset=pl.col("corrected_mean") - pl.col("raw_mean"),
    ), combine(groups, weights, calibration.sigma)


def cells_for(
    frame: pl.DataFrame, ratees: list[int], reader: int | None
) -> tuple[list[Cell], dict[tuple[int, str, str], float]]:
    rated = frame.filter(pl.col("level").is_not_null() & pl.col("rater_group").is_in(COUNTED))
    cells = []
    truth = {}
    for (ratee, competency), part in rated.filter(pl.col("ratee_id").is_in(ratees)).group_by(
        "ratee_id", "competency"
    ):
        n = dict(part.group_by("rater_group").len().iter_rows())
        mine = part.filter(pl.col("rater_id") == reader) if reader is not None else part.head(0)
        known = {
            g: (int(sub.height), float(sub["level"].sum()))
            for (g,), sub in mine.group_by("rater_group")
        }
        cell = Cell(int(ratee), str(competency), n, known)  # type: ignore[arg-type]
        cells.append(cell)
        for group in n:
            others = part.filter(pl.col("rater_group") == group)
            if reader is not None:
                others = others.filter(pl.col("rater_id").ne_missing(reader))
            if others.height:
                truth[(cell.ratee_id, cell.competency, group)] = float(others["level"].mean())  # type: ignore[arg-type]
    return cells, truth


def equations(
    cells: list[Cell],
    profiles: pl.DataFrame,
    groups: pl.DataFrame,
    offsets: pl.DataFrame,
    combined: pl.DataFrame,
) -> list[tuple[dict[tuple[int, str, str], float], float]]:
    by_key = {(c.ratee_id, c.competency): c for c in cells}
    offset = {
        (r, k, g): o
        for r, k, g, o in offsets.select(
            "ratee_id", "competency", "rater_group", "offset"
        ).iter_rows()
    }
    found = []
    for row in groups.iter_rows(named=True):
        cell = by_key.get((row["ratee_id"], row["competency"]))
        group = str(row["rater_group"])
        if cell is None or group not in COUNTED:
            continue
        for column, extra in (
            ("raw_mean", 0.0),
            ("corrected_mean", offset.get((cell.ratee_id, cell.competency, group), 0.0)),
        ):
            if row[column] is not None:
                scale, known = unknown_mean(cell, group, 0.0)
                if scale > 0:
                    found.append(
                        (
                            {(cell.ratee_id, cell.competency, group): scale},
                            row[column] - known - extra,
                        )
                    )
    coefficients = {
        (r["ratee_id"], r["competency"]): {g: r[f"c_{g}"] for g in COUNTED}
        for r in combined.iter_rows(named=True)
    }
    for row in profiles.iter_rows(named=True):
        cell = by_key.get((row["ratee_id"], row["competency"]))
        if cell is None:
            continue
        total = sum(cell.n.values())
        if row.get("raw_mean") is not None:
            found.append(
                linear_equation(cell, {g: n / total for g, n in cell.n.items()}, row["raw_mean"])
            )
        if row.get("corrected") is not None:
            found.append(
                linear_equation(
                    cell,
                    coefficients[(cell.ratee_id, cell.competency)],
                    row["corrected"],
                    lambda g, c=cell: offset.get((c.ratee_id, c.competency, g), 0.0),
                )
            )
    return found


def attack(
    frame: pl.DataFrame, weights: dict[str, float], results: CycleResults
) -> list[tuple[str, object]]:
    offsets, combined = internals(frame, weights)
    ratees = sorted(frame["ratee_id"].unique().to_list())
    leaks: list[tuple[str, object]] = []
    cells, truth = cells_for(frame, ratees, None)
    system = equations(cells, results.profiles, results.groups, offsets, combined)
    leaks += [("office", unit) for unit in recovered(cells, truth, system)]
    minimum = minimum_responses(RUBRIC)
    # every reader who rated the cadre can lead them now: a superior, or a peer appointed
    # their leader after the cycle (issue 29, #1) — each knows their own answers
    raters = frame.filter(
        pl.col("rater_group").is_in(["superior", "peer"]) & pl.col("level").is_not_null()
    )
    for ratee, leader in (
        raters.select("ratee_id", "rater_id").unique().sort("ratee_id", "rater_id").iter_rows()
    ):
        mine = raters.filter((pl.col("ratee_id") == ratee) & (pl.col("rater_id") == leader))
        rated = {
            str(group): set(part["competency"]) for (group,), part in mine.group_by("rater_group")
        }
        scores, groups = restrict_for_rater(
            results.profiles.filter(pl.col("ratee_id") == ratee),
            results.groups.filter(pl.col("ratee_id") == ratee),
            rated,
            minimum,
        )
        cells, truth = cells_for(frame, [ratee], leader)
        system = equations(cells, scores, groups, offsets, combined)
        leaks += [(f"leader {leader}", unit) for unit in recovered(cells, truth, system)]
    return leaks


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cycle=cycles())
def test_no_reader_can_solve_for_a_protected_group(
    cycle: tuple[pl.DataFrame, dict[str, float]],
) -> None:
    frame, weights = cycle
    if frame.filter(pl.col("level").is_not_null() & (pl.col("rater_group") != "self")).is_empty():
        return
    ratees = pl.DataFrame({"ratee_id": frame["ratee_id"].unique(), "position_class": "staff"})
    results = aggregate(frame, ratees, RUBRIC, weights)
    assert attack(frame, weights, results) == []


def test_cells_with_large_groups_show_every_number() -> None:
    rng = np.random.default_rng(3)
    rows = []
    response = 0
    for ratee in range(1, 7):
        for group, size, first in (("superior", 1, 100), ("peer", 4, 200), ("resident", 6, None)):
            for i in range(size):
                response += 1
                for competency in ("a", "b", "c"):
                    rows.append(
                        (
                            response,
                            ratee,
                            None if first is None else first + i,
                            group,
                            competency,
                            int(rng.integers(2, 6)),
                        )
                    )
    frame = pl.DataFrame(
        rows,
        schema=["response_id", "ratee_id", "rater_id", "rater_group", "competency", "level"],
        orient="row",
    )
    ratees = pl.DataFrame({"ratee_id": list(range(1, 7)), "position_class": "staff"})
    results = aggregate(frame, ratees, RUBRIC, {"superior": 0.35, "peer": 0.35, "resident": 0.3})
    profiles = results.profiles
    assert profiles["withheld"].is_null().all()
    for column in ("raw_mean", "corrected", "score", "lo", "hi", "norm", "percentile"):
        assert profiles[column].is_not_null().all(), column
    counted = results.groups.filter(pl.col("rater_group") != "self")
    assert counted["raw_mean"].is_not_null().all()
    assert counted["corrected_mean"].is_not_null().all()
