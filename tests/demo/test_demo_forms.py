"""The demo's simulated forms, shaped as raters send them (app.demo.history): under the
top-rating quota only excess 5s move, and only to 4; every item is on the form, with a note
wherever `submit` asks for one."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from app.demo.history import SimulatedAnswers, form_fields, within_quota
from evaluation.responses.forms import check_form
from evaluation.rubrics.loader import load_default_rubric

GROUPS = ["superior", "peer", "self", "resident"]


@st.composite
def answers(draw: st.DrawFn) -> SimulatedAnswers:
    forms = draw(st.integers(1, 25))
    responses = pl.DataFrame(
        {
            "key": list(range(forms)),
            "ratee_id": [draw(st.integers(1, 4)) for _ in range(forms)],
            "rater_id": [draw(st.sampled_from([None, 7, 8, 9])) for _ in range(forms)],
            "rater_group": [draw(st.sampled_from(GROUPS)) for _ in range(forms)],
            "comment": [draw(st.sampled_from(["", "很好"])) for _ in range(forms)],
        },
        schema={
            "key": pl.UInt32,
            "ratee_id": pl.Int64,
            "rater_id": pl.Int64,
            "rater_group": pl.String,
            "comment": pl.String,
        },
    ).with_columns(
        rater_id=pl.when(pl.col("rater_group") == "resident").then(None).otherwise("rater_id")
    )
    competencies = ["integrity", "service", "digital"]
    levels = draw(
        st.lists(
            st.one_of(st.none(), st.integers(1, 5)),
            min_size=forms * len(competencies),
            max_size=forms * len(competencies),
        )
    )
    items = pl.DataFrame(
        {
            "key": [k for k in range(forms) for _ in competencies],
            "competency": competencies * forms,
            "level": levels,
        },
        schema={"key": pl.UInt32, "competency": pl.String, "level": pl.Int64},
    )
    return SimulatedAnswers(responses=responses, items=items)


@settings(max_examples=200, deadline=None)
@given(answers(), st.sampled_from([0.0, 0.1, 0.3, 0.5, 1.0]))
def test_the_quota_lowers_only_excess_fives_to_four(sent: SimulatedAnswers, share: float) -> None:
    kept = within_quota(sent, share)
    before = sent.items.join(kept.items, on=["key", "competency"], suffix="_after")
    moved = before.filter(pl.col("level").ne_missing(pl.col("level_after")))
    assert (moved["level"] == 5).all() and (moved["level_after"] == 4).all()
    rated = sent.responses.filter(~pl.col("rater_group").is_in(["self", "resident"]))
    for rater in rated["rater_id"].drop_nulls().unique():
        keys = rated.filter(pl.col("rater_id") == rater)["key"]
        mine = kept.items.filter(pl.col("key").is_in(keys.implode()))
        allowed = math.floor(share * mine.height)
        tops = int((mine["level"] == 5).sum())
        assert tops <= allowed  # within the quota …
        was = int((sent.items.filter(pl.col("key").is_in(keys.implode()))["level"] == 5).sum())
        assert tops == min(was, allowed)  # … lowering no more than it must
    unrated = before.filter(~pl.col("key").is_in(rated["key"].implode()))
    assert unrated["level"].equals(unrated["level_after"])  # self and residents untouched


@settings(max_examples=100, deadline=None)
@given(answers())
def test_each_form_passes_the_check_submit_makes(sent: SimulatedAnswers) -> None:
    rubric = load_default_rubric()
    items = [c for c in rubric.competencies if c.id in ("integrity", "service", "digital")]
    assert len(items) == 3
    for group, fields in zip(sent.responses["rater_group"], form_fields(sent), strict=True):
        checked = check_form(
            items,
            fields,
            require_notes_at_extremes=group != "resident",
            allow_cannot_observe=True,
        )
        assert checked.ok, checked.problems
