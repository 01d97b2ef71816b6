"""The release rule on hand-built cells: who is protected, what is released in their place,
and what a leader who rated the cadre is shown (never more than the cadre)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from evaluation.analytics.release import (
    BELOW_THRESHOLD,
    CO_SUPERIORS,
    COMPLEMENT,
    KNOWN,
    OPEN,
    PROTECTED,
    TWO_SUPERIORS,
    release,
    restrict_for_rater,
    states,
)

MIN = {"superior": 1, "peer": 3, "resident": 3, "mystery": 1, "self": 1}
# columns: superior, peer, resident, mystery


def test_who_is_protected() -> None:
    n = np.array([[1, 2, 0, 0], [2, 3, 3, 0], [3, 5, 2, 1]])
    assert states(n, MIN).tolist() == [
        [OPEN, PROTECTED, 0, 0],
        [PROTECTED, OPEN, OPEN, 0],  # two superiors never show as a group
        [OPEN, OPEN, PROTECTED, OPEN],
    ]
    # a leader who is one of them knows their own rating: fewer than 3 others stay protected
    known = np.array([1, 1, 1])
    assert states(n, MIN, known)[:, 0].tolist() == [KNOWN, PROTECTED, PROTECTED]


@pytest.mark.parametrize(
    ("n", "headline", "pooled", "groups"),
    [
        ([1, 4, 6, 0], True, True, [True, True, True, False]),  # all large enough: everything
        ([1, 2, 0, 0], True, False, [False, False, False, False]),  # peers 2: the leader hides too
        ([2, 4, 0, 0], True, False, [False, False, False, False]),  # two superiors
        ([0, 0, 2, 0], False, False, [False, False, False, False]),  # only two residents
        (
            [1, 4, 2, 0],
            True,
            False,
            [False, True, False, False],
        ),  # residents 2: the smallest sibling hides
    ],
)
def test_what_is_released(n: list[int], headline: bool, pooled: bool, groups: list[bool]) -> None:
    counts = np.array([n])
    shown = release(counts, counts > 0, MIN)
    assert bool(shown.headline[0]) is headline
    assert bool(shown.pooled[0]) is pooled
    assert shown.groups[0].tolist() == groups


def test_reasons_say_why() -> None:
    counts = np.array([[2, 4, 0, 0], [1, 4, 2, 0]])
    shown = release(counts, counts > 0, MIN)
    assert shown.reasons[0, 0] == TWO_SUPERIORS
    assert shown.reasons[0, 1] == COMPLEMENT
    assert shown.reasons[1, 2] == BELOW_THRESHOLD


def cadre(peers: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    scores = pl.DataFrame(
        {
            "competency": ["a"],
            "n": [1 + peers],
            "raw_mean": [3.2],
            "corrected": [3.3],
            "score": [3.25],
            "lo": [3.0],
            "hi": [3.5],
            "light": ["yellow"],
            "finding": ["as_expected"],
            "withheld": [None],
        },
        schema_overrides={"withheld": pl.String},
    )
    groups = pl.DataFrame(
        {
            "competency": ["a", "a"],
            "rater_group": ["superior", "peer"],
            "n": [1, peers],
            "raw_mean": [3.0, 3.3],
            "corrected_mean": [3.1, 3.4],
            "reason": [None, None],
            "weight": [0.5, 0.5],
        },
        schema_overrides={"reason": pl.String},
    )
    return scores, groups


def test_the_sole_leader_sees_what_the_cadre_sees_when_groups_are_large() -> None:
    scores, groups = restrict_for_rater(*cadre(peers=4), {"a"}, MIN)
    assert scores["score"].item() == 3.25
    assert groups["raw_mean"].to_list() == [3.0, 3.3]


def test_a_sole_leader_cannot_subtract_their_rating_to_find_two_peers() -> None:
    # the office (and the cadre) may see the headline with the superior hidden beside it,
    # but the leader knows their own rating: headline − own = the two peers' mean
    scores, groups = restrict_for_rater(*cadre(peers=2), {"a"}, MIN)
    assert scores["score"].item() is None
    assert scores["withheld"].item()
    assert groups["raw_mean"].to_list()[1] is None


def test_a_leader_who_did_not_rate_that_competency_is_shown_the_office_release() -> None:
    scores, _ = restrict_for_rater(*cadre(peers=2), set(), MIN)
    assert scores["score"].item() == 3.25


def test_co_superiors_are_hidden_from_each_other() -> None:
    scores, groups = cadre(peers=4)
    groups = groups.with_columns(n=pl.Series([3, 4]))
    _, seen = restrict_for_rater(scores, groups, {"a"}, MIN)
    assert seen["raw_mean"][0] is None
    assert seen["reason"][0] == CO_SUPERIORS
