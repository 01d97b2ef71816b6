"""The cycle state machine: every legal move, every illegal one refused with a reason."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation.cycles.states import (
    MOVES,
    STATES,
    check_dates,
    check_weights,
    next_state,
)
from evaluation.errors import Conflict, Invalid

LEGAL = {
    ("draft", "open"): "open",
    ("open", "close"): "closed",
    ("closed", "reopen"): "open",
    ("closed", "publish"): "published",
}


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in STATES for a in MOVES])
def test_every_move_from_every_state(state: str, action: str) -> None:
    if (state, action) in LEGAL:
        assert next_state(state, action) == LEGAL[(state, action)]
    else:
        with pytest.raises(Conflict) as caught:
            next_state(state, action)
        assert caught.value.message  # a reason, in words


def test_published_is_final() -> None:
    for action in MOVES:
        with pytest.raises(Conflict):
            next_state("published", action)


def test_unknown_action_is_invalid() -> None:
    with pytest.raises(Invalid):
        next_state("draft", "explode")


def test_default_weights_and_their_rules() -> None:
    assert check_weights({"superior": 0.35, "peer": 0.35, "resident": 0.30}) == {
        "superior": 0.35,
        "peer": 0.35,
        "self": 0.0,
        "resident": 0.30,
        "mystery": 0.0,
    }
    with pytest.raises(Invalid, match="权重") as caught:
        check_weights({"superior": 0.5, "peer": 0.3, "resident": 0.1})
    assert set(caught.value.problems) == {"weights", "weight_resident"}
    with pytest.raises(Invalid):
        check_weights({"superior": 0.4, "peer": 0.3, "resident": 0.3, "aliens": 0.0})


def test_dates_must_be_in_order() -> None:
    check_dates(date(2026, 12, 1), date(2026, 12, 20), date(2026, 12, 15))
    with pytest.raises(Invalid) as caught:
        check_dates(date(2026, 12, 20), date(2026, 12, 1), date(2027, 1, 1))
    assert set(caught.value.problems) == {"closes_on", "remind_on"}
