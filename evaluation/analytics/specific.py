"""How far one competency stands apart from a cadre's others, read within each form.

A rater who thinks well of a cadre tends to rate every item of the form higher (halo), and
a strict rater rates every item lower; both cancel when each rating is compared with the
same form's mean on the *other* items. Per cell (cadre × competency) the contrast is the
mean of those within-form deviations over every counted rating — each rating counts alike:
the question is about the cadre's own profile, not the mix of viewpoints the headline's
group weights set — compared with comparable cadres' mean contrast on that competency
(some competencies run lower for everyone). Its standard error comes from the pooled
within-form residual variance: σ_w/√n.

This is evidence for one finding only — whether a low score is a specific weakness or the
cadre's general level (`profiles`). The contrast itself is never released: it mixes each
rater's answers on several competencies, outside the release rule's accounting.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.coding import Coded
from evaluation.groups import COUNTED


def contrasts(coded: Coded, cells: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """cells: cell, ratee_id (the cells wanted). classes: ratee_id, position_class.
    Returns cell, specific, specific_se for the cells with a contrast."""
    counted = coded.in_groups(COUNTED)
    form = coded.form[counted]
    level = coded.level[counted].astype(float, copy=False)
    per_form = np.bincount(form, minlength=int(form.max()) + 1 if len(form) else 0)
    sums = np.bincount(form, level, minlength=len(per_form))
    others = per_form[form]
    others -= 1
    usable = others >= 1
    every = bool(usable.all())
    if not every:
        form, level, others = form[usable], level[usable], others[usable]
    # level − (the form's sum − level) / others, in place: the arrays are as long as the cycle
    deviation = sums[form].astype(float, copy=False)
    del form
    deviation -= level
    deviation /= others
    del others
    np.subtract(level, deviation, out=deviation)
    del level
    cell = coded.cell[counted] if every else coded.cell[counted][usable]
    n = np.bincount(cell, minlength=coded.cells)
    mean = np.divide(
        np.bincount(cell, deviation, minlength=coded.cells),
        n,
        out=np.zeros(coded.cells),
        where=n > 0,
    )
    residual = mean[cell]
    del cell
    np.subtract(deviation, residual, out=residual)
    del deviation
    occupied = int((n > 0).sum())
    residual *= residual
    sigma2 = float(residual.sum() / max(len(residual) - occupied, 1)) if len(residual) else 0.0
    wanted = cells["cell"].to_numpy()
    keep = n[wanted] > 0
    return (
        cells.select("cell", "ratee_id")
        .filter(pl.Series(keep))
        .with_columns(
            raw=pl.Series(mean[wanted][keep]),
            specific_se=pl.Series(np.sqrt(sigma2 / n[wanted][keep])),
            competency=pl.Series(wanted[keep] % coded.k),
        )
        .join(classes.select("ratee_id", "position_class"), on="ratee_id", how="left")
        .with_columns(
            specific=pl.col("raw") - pl.col("raw").mean().over("competency", "position_class")
        )
        .select("cell", "specific", "specific_se")
    )
