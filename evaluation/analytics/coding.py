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

    def in_groups(self, names: tuple[str, ...], group: np.ndarray | None = None) -> np.ndarray:
        """Whether each rating (or each of the given group codes) is from one of `names`:
        a lookup by group code, one pass, where `np.isin` would sort."""
        return in_groups(self.group if group is None else group, names)

    def cell_group_keys(self, rows: np.ndarray) -> np.ndarray:
        """One dense key per (cell, rater group) for the given ratings (a mask or indices):
        cell·len(GROUPS) + group, built in place — the arrays are as long as the cycle."""
        key = self.cell[rows]
        key *= len(GROUPS)
        key += self.group[rows]
        return key

    def cell_keys(self, cells: np.ndarray) -> pl.DataFrame:
        """ratee_id and competency of the given cell codes, beside the code itself."""
        return pl.DataFrame(
            {
                "cell": cells,
                "ratee_id": self.ratee_ids[cells // self.k],
                "competency": pl.Series(self.competencies, dtype=pl.String).gather(cells % self.k),
            }
        )


def in_groups(group: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Whether each group code (an index into GROUPS) is one of `names`."""
    table = np.array([g in names for g in GROUPS], dtype=bool)
    return table[group]


def encode(responses: pl.DataFrame) -> Coded:
    """`responses`: the analytics contract's long frame (ratee_id, rater_id, rater_group,
    competency, level)."""
    rated = responses.filter(pl.col("level").is_not_null())
    competencies = tuple(sorted(rated["competency"].unique().to_list()))
    try:
        small = rated.select(
            level=pl.col("level").cast(pl.Float64),
            competency=pl.col("competency").cast(pl.Enum(competencies)).to_physical(),
            group=pl.col("rater_group").cast(pl.Enum(GROUPS)).to_physical(),
        )
    except pl.exceptions.InvalidOperationError as error:  # a group outside GROUPS
        unknown = set(rated["rater_group"].unique().to_list()) - set(GROUPS)
        raise ValueError(f"unknown rater groups: {sorted(unknown)}") from error
    k = len(competencies)
    ratee, ratee_ids = dense_codes(rated["ratee_id"])
    rater, rater_ids = dense_codes(rated["rater_id"])
    group = small["group"].to_numpy().astype(np.int64)
    if "response_id" in rated.columns:
        form, _ = dense_codes(rated["response_id"])
    else:  # one form per (rater, ratee, group); a rating without a rater is a form of its own
        key = (rater * len(ratee_ids) + ratee) * len(GROUPS) + group
        form = _dense_keys(np.where(rater >= 0, key, -1 - np.arange(len(key))))
    return Coded(
        level=small["level"].to_numpy(),
        cell=ratee * k + small["competency"].to_numpy().astype(np.int64),
        rater=rater,
        group=group,
        ratee_ids=ratee_ids,
        competencies=competencies,
        rater_ids=rater_ids,
        form=form,
    )


def dense_codes(ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each id's dense code in ascending order of the ids (−1 for a null), and the id behind
    each code. Ids from a database are compact, so a lookup table over their range does it
    in two passes; a sparse range falls back to sorting."""
    known = ids.is_not_null().to_numpy()
    values = ids.fill_null(0).cast(pl.Int64).to_numpy()
    if not known.any():
        return np.full(len(values), -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(values[known].min()), int(values[known].max())
    if high - low > 4 * len(values) + 1_000_000:
        codes = pl.Series(values[known]).rank("dense").cast(pl.Int64).to_numpy() - 1
        table = np.zeros(int(codes.max()) + 1, dtype=np.int64)
        table[codes] = values[known]
        out = np.full(len(values), -1, dtype=np.int64)
        out[known] = codes
        return out, table
    present = np.zeros(high - low + 1, dtype=bool)
    present[values[known] - low] = True
    code_of = np.cumsum(present) - 1
    at = np.where(known, values - low, 0)  # a null's filler may lie outside the range
    return np.where(known, code_of[at], -1), np.flatnonzero(present) + low


def _dense_keys(keys: np.ndarray) -> np.ndarray:
    """Dense codes of integer keys. When every key's rows are adjacent (a response's items
    arrive together), numbering the runs is enough; otherwise a sort."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    runs = np.cumsum(starts) - 1
    ordered = np.sort(keys[starts])
    if not (ordered[1:] == ordered[:-1]).any():
        return runs
    # (numpy's hashing `unique` is several times slower than a sort here)
    return pl.Series(keys).rank("dense").cast(pl.Int64).to_numpy() - 1


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
