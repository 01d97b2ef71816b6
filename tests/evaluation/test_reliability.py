"""ICC and Krippendorff's alpha: published worked examples, and agreement with independent
reference implementations on random data."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.reliability import icc, krippendorff_alpha

SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
# Shrout & Fleiss (1979), Table 4 (ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91)
SHROUT_FLEISS_ICC = {
    "ICC1": 0.166,
    "ICC2": 0.290,
    "ICC3": 0.715,
    "ICC1k": 0.443,
    "ICC2k": 0.620,
    "ICC3k": 0.909,
}

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units.
KRIPPENDORFF_DATA = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
KRIPPENDORFF_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def long(matrix: list[list[float | None]] | np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"target": i, "rater": j, "score": v}
            for i, row in enumerate(matrix)
            for j, v in enumerate(row)
        ],
        schema={"target": pl.Int64, "rater": pl.Int64, "score": pl.Float64},
    )


def test_icc_reproduces_shrout_and_fleiss() -> None:
    result = icc(long(SHROUT_FLEISS), target="target", rater="rater", score="score")
    assert {k: round(v, 3) for k, v in result.items()} == SHROUT_FLEISS_ICC


@pytest.mark.parametrize(("level", "expected"), KRIPPENDORFF_ALPHA.items())
def test_alpha_reproduces_krippendorffs_example(level: str, expected: float) -> None:
    frame = pl.DataFrame(
        [
            {"unit": u, "rater": r, "value": v}
            for r, values in KRIPPENDORFF_DATA.items()
            for u, v in enumerate(values)
        ],
        schema={"unit": pl.Int64, "rater": pl.String, "value": pl.Float64},
    )
    assert (
        round(krippendorff_alpha(frame, unit="unit", rater="rater", value="value", level=level), 3)
        == expected
    )  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 12), k=st.integers(2, 5))
def test_icc_agrees_with_pingouin(seed: int, n: int, k: int) -> None:
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(seed)
    matrix = rng.integers(1, 6, size=(n, k)).astype(float) + rng.normal(0, 1, size=(n, 1)).round()
    if np.allclose(matrix.std(axis=1), 0) or np.allclose(matrix.std(), 0):
        return
    additive = matrix.mean(axis=1, keepdims=True) + matrix.mean(axis=0) - matrix.mean()
    if np.allclose(matrix, additive):  # no residual variance: every ICC is 0/0 noise
        return
    ours = icc(long(matrix), target="target", rater="rater", score="score")
    table = pingouin.intraclass_corr(
        data=pd.DataFrame(long(matrix).to_dicts()),
        targets="target",
        raters="rater",
        ratings="score",
    ).set_index("Type")["ICC"]
    names = {
        "ICC1": "ICC(1,1)",
        "ICC2": "ICC(A,1)",
        "ICC3": "ICC(C,1)",
        "ICC1k": "ICC(1,k)",
        "ICC2k": "ICC(A,k)",
        "ICC3k": "ICC(C,k)",
    }  # pingouin's labels
    for name, label in names.items():
        assert ours[name] == pytest.approx(table[label], abs=1e-9), name


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), level=st.sampled_from(list(KRIPPENDORFF_ALPHA)))
def test_alpha_agrees_with_the_krippendorff_package(seed: int, level: str) -> None:
    import krippendorff

    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(4, 15)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    frame = pl.DataFrame(
        [
            {"unit": u, "rater": r, "value": None if np.isnan(v) else v}
            for r, row in enumerate(data)
            for u, v in enumerate(row)
        ],
        schema={"unit": pl.Int64, "rater": pl.Int64, "value": pl.Float64},
    )
    if frame.drop_nulls()["value"].n_unique() < 2:
        return
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(
        frame, unit="unit", rater="rater", value="value", level=level
    ) == pytest.approx(expected, abs=1e-9)  # type: ignore[arg-type]
