"""Dense integer codes for a cycle's long frame, built once per computation.

Every analytics stage then works with `numpy.bincount` and single-integer keys instead of
grouping and joining on (ratee_id, competency) pairs, which is what keeps a province cycle
(millions of ratings) within a small multiple of one bare `group_by`.

* `cell` codes a (ratee, competency) pair as ratee_code·k + competency_code. Codes are
  dense per ratee and per competency, so cells are few enough to index arrays directly;
  a cadre without some competency leaves an empty cell, which stages skip.
* `rater` codes every rater with an id (null ids get −1); `group` codes the rater group in
  the fixed order of `GROUPS`.
* `form` codes one filled-in form (a response): from `response_id` when the frame has one,
  else from (rater, ratee, group), a rating without a rater id being a form of its own.
* Only rated items are coded: "cannot observe" (null level) carries no information for any
  stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from evaluation.groups import GROUPS


@dataclass(frozen=True)
class Coded:
    level: np.ndarray  # float, one per rated item
    cell: np.ndarray  # int64 code of (ratee, competency)
    rater: np.ndarray  # int64 rater code, −1 without a rater id
    group: np.ndarray  # int64 index into GROUPS
    ratee_ids: np.ndarray  # ratee_id by ratee code
    competencies: tuple[str, ...]  # competency by competency code, sorted
    rater_ids: np.ndarray  # rater_id by rater code
    form: np.ndarray  # int64 code of the form (response) each rating belongs to

    @property
    def k(self) -> int:
        return len(self.competencies)

    @property
    def cells(self) -> int:
        return len(self.ratee_ids) * self.k

    def cell_keys(self, cells: np.ndarray) -> pl.DataFrame:
        """ratee_id and competency of the given cell codes, beside the code itself."""
        return pl.DataFrame(
            {
                "cell": cells,
                "ratee_id": self.ratee_ids[cells // self.k],
                "competency": pl.Series(self.competencies, dtype=pl.String).gather(cells % self.k),
            }
        )


def encode(responses: pl.DataFrame) -> Coded:
    """`responses`: the analytics contract's long frame (ratee_id, rater_id, rater_group,
    competency, level)."""
    rated = responses.filter(pl.col("level").is_not_null())
    competencies = tuple(sorted(rated["competency"].unique().to_list()))
    try:
        codes = _codes(rated, competencies)
    except pl.exceptions.InvalidOperationError as error:  # a group outside GROUPS
        unknown = set(rated["rater_group"].unique().to_list()) - set(GROUPS)
        raise ValueError(f"unknown rater groups: {sorted(unknown)}") from error
    k = len(competencies)
    ratee = codes["ratee"].to_numpy()
    rater = codes["rater"].to_numpy()
    return Coded(
        level=codes["level"].to_numpy(),
        cell=ratee * k + codes["competency"].to_numpy(),
        rater=rater,
        group=codes["group"].to_numpy(),
        ratee_ids=_ids_by_code(ratee, rated["ratee_id"].to_numpy()),
        competencies=competencies,
        rater_ids=_ids_by_code(rater, rated["rater_id"].fill_null(0).to_numpy()),
        form=codes["form"].to_numpy(),
    )


def _ids_by_code(codes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The id behind each dense code (a scatter: cheaper than sorting the unique ids)."""
    known = codes >= 0
    table = np.zeros(int(codes.max()) + 1 if known.any() else 0, dtype=np.int64)
    table[codes[known]] = ids[known]
    return table


def _codes(rated: pl.DataFrame, competencies: tuple[str, ...]) -> pl.DataFrame:
    return rated.select(
        level=pl.col("level").cast(pl.Float64),
        ratee=pl.col("ratee_id").rank("dense").cast(pl.Int64) - 1,
        competency=pl.col("competency").cast(pl.Enum(competencies)).to_physical().cast(pl.Int64),
        rater=(pl.col("rater_id").rank("dense").cast(pl.Int64) - 1).fill_null(-1),
        group=pl.col("rater_group").cast(pl.Enum(GROUPS)).to_physical().cast(pl.Int64),
        form=_form_key(rated).rank("dense").cast(pl.Int64) - 1,
    )


def _form_key(rated: pl.DataFrame) -> pl.Expr:
    if "response_id" in rated.columns:
        return pl.col("response_id")
    rater = pl.col("rater_id").fill_null(-1 - pl.int_range(pl.len(), dtype=pl.Int64))
    return pl.struct(rater, "ratee_id", "rater_group").hash(seed=7)


@dataclass(frozen=True)
class Wide:
    """A long frame with one row per (cell, rater group), seen as cell × group arrays.

    `groups.sort("cell")` must be the frame's order (free when it is already sorted, as
    `weighting.group_scores` returns it); rules that compare a cadre's groups with each
    other — complementary suppression, weights, evidence — are then plain array operations
    along axis 1 instead of window functions over millions of rows."""

    cells: np.ndarray  # the distinct cell codes, ascending
    row: np.ndarray  # each long row's index into `cells`
    col: np.ndarray  # each long row's group index (coding.GROUPS)
    first: np.ndarray  # each cell's first long row

    def matrix(self, values: np.ndarray, fill: float | bool) -> np.ndarray:
        out = np.full((len(self.cells), len(GROUPS)), fill, dtype=np.asarray(values).dtype)
        out[self.row, self.col] = values
        return out

    def find(self, cells: np.ndarray) -> np.ndarray:
        """Row of each given cell code, −1 where the cell has no groups."""
        at = np.searchsorted(self.cells, cells).clip(0, max(len(self.cells) - 1, 0))
        hit = (self.cells[at] == cells) if len(self.cells) else np.zeros(len(cells), bool)
        return np.where(hit, at, -1)

    def long(self, matrix: np.ndarray) -> np.ndarray:
        """Back to one value per long row."""
        return matrix[self.row, self.col]


def widen(groups: pl.DataFrame) -> Wide:
    cell = groups["cell"].to_numpy()
    starts = np.r_[True, cell[1:] != cell[:-1]] if len(cell) else np.zeros(0, dtype=bool)
    col = groups["rater_group"].cast(pl.Enum(GROUPS)).to_physical().cast(pl.Int64).to_numpy()
    return Wide(
        cells=cell[starts], row=np.cumsum(starts) - 1, col=col, first=np.flatnonzero(starts)
    )
