"""The dense codes every analytics stage indexes with: the fast paths (a lookup table over
compact ids, numbered runs for forms whose items arrive together) give exactly what sorting
gives, for any ids — nulls, sparse ranges, shuffled rows included."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.coding import _dense_keys, dense_codes, encode, in_groups
from evaluation.groups import COUNTED, GROUPS

ids = st.lists(st.one_of(st.none(), st.integers(-5, 60)), max_size=80)
sparse_ids = st.lists(st.one_of(st.none(), st.integers(-(2**40), 2**40)), max_size=80)


def sorted_codes(values: list[int | None]) -> np.ndarray:
    """The reference: polars' dense rank of the ids, −1 for a null."""
    rank = pl.Series(values, dtype=pl.Int64).rank("dense").cast(pl.Int64) - 1
    return rank.fill_null(-1).to_numpy()


@settings(max_examples=300, deadline=None)
@given(st.one_of(ids, sparse_ids))
def test_dense_codes_are_the_sorted_codes_and_map_back(values: list[int | None]) -> None:
    codes, back = dense_codes(pl.Series(values, dtype=pl.Int64))
    assert codes.tolist() == sorted_codes(values).tolist()
    known = [v for v in values if v is not None]
    assert back.tolist() == sorted(set(known))
    assert all(back[c] == v for c, v in zip(codes, values, strict=True) if v is not None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=60), st.booleans())
def test_dense_keys_group_rows_exactly_as_their_keys_do(keys: list[int], adjacent: bool) -> None:
    array = np.sort(np.array(keys, dtype=np.int64)) if adjacent else np.array(keys, np.int64)
    codes = _dense_keys(array)
    if len(array):
        assert sorted(set(codes.tolist())) == list(range(len(set(keys))))  # dense
    for i in range(len(array)):  # same key ⇔ same code
        assert all((codes[i] == codes[j]) == (array[i] == array[j]) for j in range(len(array)))


def test_forms_are_coded_alike_in_any_row_order() -> None:
    rng = np.random.default_rng(5)
    frame = pl.DataFrame(
        {
            "ratee_id": np.repeat(np.arange(1, 41), 30),
            "rater_id": np.tile(np.repeat(np.arange(100, 106), 5), 40),
            "rater_group": np.tile(np.repeat(["peer", "superior", "peer"], 10), 40),
            "competency": np.tile(["a", "b", "c", "d", "e"], 240),
            "level": rng.integers(1, 6, 1200),
        }
    )
    in_order, shuffled = encode(frame), encode(frame.sample(fraction=1.0, shuffle=True, seed=2))

    def forms(coded) -> set[frozenset[tuple[int, int, int]]]:  # type: ignore[no-untyped-def]
        rows = zip(coded.form, coded.cell, coded.rater, coded.group, strict=True)
        by_form: dict[int, set[tuple[int, int, int]]] = {}
        for form, cell, rater, group in rows:
            by_form.setdefault(int(form), set()).add((int(cell), int(rater), int(group)))
        return {frozenset(items) for items in by_form.values()}

    assert forms(in_order) == forms(shuffled)
    assert len(forms(in_order)) == 40 * 6  # one per (rater, ratee): 6 raters rate every cadre


def test_in_groups_is_isin() -> None:
    codes = np.arange(len(GROUPS)).repeat(3)
    expected = np.isin(codes, [GROUPS.index(g) for g in COUNTED])
    assert in_groups(codes, COUNTED).tolist() == expected.tolist()
