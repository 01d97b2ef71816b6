"""An attacker who solves linear systems: everything a reader is shown about a cycle, turned
into equations over what the reader does not know, then asked whether any protected group's
mean is determined.

Unknowns: per cell (cadre × competency) and counted rater group, the mean of the ratings
the reader did not give (a leader knows their own). Each released number is a known linear
function of those means — a group's raw or calibrated mean, the pooled raw mean, the
headline and everything affine in it (score, interval, corrected mean; the attacker is
assumed to know every calibration constant, which only makes it stronger). A protected
mean is *recovered* when its unit vector lies in the row space of the system and solving
the system gives the true value back.

Protected, as DESIGN.md states the rule (not as the code implements it): peers and
residents below 3 counted responses; two superiors; for a leader who is one of a cadre's
superiors, fewer than 3 *other* superiors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

COUNTED = ("superior", "peer", "resident", "mystery")
ANONYMOUS = ("peer", "resident")


@dataclass(frozen=True)
class Cell:
    """What the attacker can reconstruct about one cell from counts it is shown."""

    ratee_id: int
    competency: str
    n: dict[str, int]  # counted responses per group
    known: dict[str, tuple[int, float]]  # group → (ratings the reader gave, their sum)


def protected(cell: Cell, group: str) -> bool:
    n = cell.n.get(group, 0)
    known = cell.known.get(group, (0, 0.0))[0]
    others = n - known
    if others <= 0:
        return False
    if group in ANONYMOUS:  # a reader who rated in the group subtracts their own
        return n < 3 if known == 0 else others < 3
    if group == "superior":
        return (known == 0 and n == 2) or (known > 0 and others < 3)
    return False


def recovered(
    cells: list[Cell],
    truth: dict[tuple[int, str, str], float],
    equations: list[tuple[dict[tuple[int, str, str], float], float]],
) -> list[tuple[int, str, str]]:
    """equations: (coefficients over unit keys (ratee, competency, group), value) — the
    value already has every known part subtracted. truth: the unit's true mean of unknown
    ratings. Returns the protected units the system determines (and gets right)."""
    units = sorted(
        {
            (c.ratee_id, c.competency, g)
            for c in cells
            for g, count in c.n.items()
            if count - c.known.get(g, (0, 0.0))[0] > 0
        }
    )
    if not units or not equations:
        return []
    index = {u: i for i, u in enumerate(units)}
    matrix = np.zeros((len(equations), len(units)))
    values = np.zeros(len(equations))
    for row, (coefficients, value) in enumerate(equations):
        for unit, coefficient in coefficients.items():
            if unit in index:
                matrix[row, index[unit]] = coefficient
        values[row] = value
    solution, *_ = np.linalg.lstsq(matrix, values, rcond=None)
    rank = np.linalg.matrix_rank(matrix, tol=1e-9)
    found = []
    by_key = {(c.ratee_id, c.competency): c for c in cells}
    for unit in units:
        cell = by_key[(unit[0], unit[1])]
        if not protected(cell, unit[2]):
            continue
        target = np.zeros(len(units))
        target[index[unit]] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, target]), tol=1e-9) != rank:
            continue
        if abs(solution[index[unit]] - truth[unit]) < 1e-6:
            found.append(unit)
    return found


def unknown_mean(cell: Cell, group: str, mean: float) -> tuple[float, float]:
    """(coefficient on the unknown mean, known constant) of a group's mean over all its
    ratings: mean = (known_sum + k·u)/n."""
    n = cell.n[group]
    known_count, known_sum = cell.known.get(group, (0, 0.0))
    return (n - known_count) / n, known_sum / n


def linear_equation(
    cell: Cell,
    coefficients: dict[str, float],
    value: float,
    offsets: Callable[[str], float] = lambda _: 0.0,
) -> tuple[dict[tuple[int, str, str], float], float]:
    """value = Σ_g coefficients[g]·(mean_g + offset_g), rewritten over the unknown means."""
    row: dict[tuple[int, str, str], float] = {}
    constant = 0.0
    for group, weight in coefficients.items():
        if weight == 0 or cell.n.get(group, 0) == 0:
            continue
        scale, known = unknown_mean(cell, group, 0.0)
        constant += weight * (known + offsets(group))
        if scale > 0:
            row[(cell.ratee_id, cell.competency, group)] = weight * scale
    return row, value - constant


def counted_means(responses: pl.DataFrame) -> pl.DataFrame:
    """ratee_id, competency, rater_group, n, mean (raw) of counted ratings."""
    return (
        responses.filter(pl.col("level").is_not_null() & pl.col("rater_group").is_in(COUNTED))
        .group_by("ratee_id", "competency", "rater_group")
        .agg(n=pl.len(), mean=pl.col("level").cast(pl.Float64).mean())
    )
