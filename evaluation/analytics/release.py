"""The one release rule: which numbers about a cadre's competency may be shown to a reader.

Anonymity is a property of everything released together, not of one row. For one cell
(cadre × competency) a reader may see the rater groups' means, the pooled raw mean (every
counted rating alike) and the headline (the groups combined with the cycle's weights —
the calibrated score, its interval and the corrected mean are all that one number seen
through known constants). Each is a linear function of the groups' means. A reader who
also knows some ratings — a leader knows their own — subtracts them. A protected group
(peers or residents below 3 counted responses; two superiors, who never show as a group;
for a leader, fewer than 3 *other* superiors) must not be recoverable from the released set
by any linear combination.

`decide` answers that exactly for one *pattern* — which groups are present, which are
protected, known or open, which count toward the headline, and the order of the open
groups by size — with the rank test "e_p ∈ rowspace(A)" over generic coefficients, and
picks the most useful safe set: the headline first, then group means (largest first). The
pooled raw mean is shown only where no group needs protecting: the headline pools the
groups' views by their sizes when they agree, so its coefficients are not generic against
the pooled mean's, and a generic rank test could not vouch for the pair. A cadre's cells fall into a handful of patterns, so `release`
decides each pattern once and broadcasts.

Released values are the only input of every aggregate built later (norms, overall scores,
town means), so no aggregate reopens a withheld cell. A cadre knows only their own
self-assessment, which no pooled value contains: the office's release is the cadre's.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from evaluation.analytics.coding import widen
from evaluation.groups import COUNTED, GROUPS, RaterGroup

ABSENT, OPEN, PROTECTED, KNOWN = 0, 1, 2, 3
MIN_ANONYMOUS = 3
MIN_COMMENT_GROUP = 5

BELOW_THRESHOLD = "人数不足，为保护匿名不单独显示"
TWO_SUPERIORS = "两位上级的评价不作为一组显示"
CO_SUPERIORS = "为保护其他上级的匿名，不向您单独显示"
OTHER_RATERS = "您也评价过这一项：为保护同组其他评价人的匿名，不向您单独显示"
COMPLEMENT = "为防止推算出其他分组，一并隐藏"
HEADLINE_WITHHELD = "评价人数过少，为保护匿名，本项综合结果不显示"
POOLED_WITHHELD = "原始均分可推算出人数不足的分组，不显示"

_COUNTED_INDEX = [GROUPS.index(g) for g in COUNTED]
_SUPERIOR = COUNTED.index(RaterGroup.superior.value)


def known_matrix(n: np.ndarray, known: np.ndarray | None) -> np.ndarray | None:
    """`known` as cell × COUNTED: how many of each group's counted ratings the reader gave
    themself. A 1-D array is the older form — the reader's superior ratings only."""
    if known is None or known.ndim == 2:
        return known
    matrix = np.zeros(n.shape, dtype=np.int64)
    matrix[:, _SUPERIOR] = known
    return matrix


def states(
    n: np.ndarray, min_responses: dict[str, int], known: np.ndarray | None = None
) -> np.ndarray:
    """cell × counted-group states from counts (`n`: cell × COUNTED). `known`: cell ×
    COUNTED, how many ratings of each group the reader gave themself — as a superior, or as
    a peer before they came to lead this cadre (None for the office)."""
    known = known_matrix(n, known)
    out = np.zeros(n.shape, dtype=np.int64)
    for j, group in enumerate(COUNTED):
        count = n[:, j]
        minimum = min_responses.get(group, MIN_ANONYMOUS)
        if group == RaterGroup.superior.value:
            open_ = ((count == 1) & (minimum <= 1)) | (count >= max(MIN_ANONYMOUS, minimum))
        elif group in (RaterGroup.peer.value, RaterGroup.resident.value):
            open_ = count >= max(MIN_ANONYMOUS, minimum)
        else:
            open_ = count >= max(1, minimum)
        out[:, j] = np.where(count == 0, ABSENT, np.where(open_, OPEN, PROTECTED))
    if known is not None:  # the reader subtracts their own: the others must stand alone
        for j, group in enumerate(COUNTED):
            others = n[:, j] - known[:, j]
            mine = known[:, j] > 0
            floor = max(MIN_ANONYMOUS, min_responses.get(group, MIN_ANONYMOUS))
            if group == RaterGroup.superior.value:
                floor = MIN_ANONYMOUS
            out[:, j] = np.where(
                mine,
                np.where(others <= 0, KNOWN, np.where(others >= floor, OPEN, PROTECTED)),
                out[:, j],
            )
    return out


@dataclass(frozen=True)
class Decision:
    headline: bool
    pooled: bool
    groups: tuple[bool, ...]  # per COUNTED group: its mean may be shown


@cache
def decide(
    pattern: tuple[int, ...], in_headline: tuple[bool, ...], order: tuple[int, ...]
) -> Decision:
    """The most useful safe release for one pattern. `pattern`: state per COUNTED group;
    `in_headline`: whether each group's weight enters the headline; `order`: the open (or
    known) groups, largest first (the smallest is the first to hide)."""
    present = [j for j, s in enumerate(pattern) if s != ABSENT]
    unknown = [j for j in present if pattern[j] in (OPEN, PROTECTED)]
    protected = [j for j in present if pattern[j] == PROTECTED]
    rng = np.random.default_rng(20261129)  # generic coefficients: fixed, so decisions are too
    column = {j: i for i, j in enumerate(unknown)}

    def row(coefficients: dict[int, float]) -> np.ndarray:
        out = np.zeros(len(unknown))
        for j, value in coefficients.items():
            if j in column:
                out[column[j]] = value
        return out

    items: list[tuple[str, np.ndarray, float]] = []
    if any(in_headline[j] for j in present):
        items.append(("H", row({j: rng.uniform(0.5, 2) for j in present if in_headline[j]}), 1000))
    if not protected:
        # the pooled raw mean shares its coefficients with the headline whenever groups agree
        # (weighting pools their views by size), so the two may not be released together
        # beside a protected group: released only when no group needs protecting
        items.append(("P", row({j: 1.0 for j in present}), 1))
    for rank, j in enumerate(order):
        if j in present and pattern[j] in (OPEN, KNOWN):
            items.append((f"M{j}", row({j: 1.0}), 10 + (len(order) - rank)))

    def safe(chosen: tuple[tuple[str, np.ndarray, float], ...]) -> bool:
        if not chosen or not protected or not unknown:
            return True
        matrix = np.array([vector for _, vector, _ in chosen])
        base = np.linalg.matrix_rank(matrix, tol=1e-9)
        for j in protected:
            target = np.zeros(len(unknown))
            target[column[j]] = 1
            if np.linalg.matrix_rank(np.vstack([matrix, target]), tol=1e-9) == base:
                return False
        return True

    best: tuple[float, tuple[str, ...]] = (-1.0, ())
    for size in range(len(items), -1, -1):
        for chosen in itertools.combinations(items, size):
            value = sum(score for _, _, score in chosen)
            if value > best[0] and safe(chosen):
                best = (value, tuple(name for name, _, _ in chosen))
    names = set(best[1])
    return Decision(
        headline="H" in names,
        pooled="P" in names,
        groups=tuple(f"M{j}" in names for j in range(len(COUNTED))),
    )


@dataclass(frozen=True)
class Release:
    headline: np.ndarray  # per cell
    pooled: np.ndarray  # per cell
    groups: np.ndarray  # cell × COUNTED: the mean may be shown
    reasons: np.ndarray  # cell × COUNTED: why a present group's mean is hidden ("" if shown)


def release(
    n: np.ndarray,
    in_headline: np.ndarray,
    min_responses: dict[str, int],
    known: np.ndarray | None = None,
) -> Release:
    """Per cell (rows of `n`, cell × COUNTED counts; `in_headline` cell × COUNTED)."""
    known = known_matrix(n, known)
    state = states(n, min_responses, known)
    size_rank = np.argsort(
        np.argsort(-np.where(np.isin(state, (OPEN, KNOWN)), n, -1), axis=1, kind="stable"), axis=1
    )
    digits = len(COUNTED)
    key = (
        (state * (4 ** np.arange(digits))).sum(axis=1) * (2**digits)
        + (in_headline.astype(np.int64) << np.arange(digits)).sum(axis=1)
    ) * (digits**digits) + (size_rank * (digits ** np.arange(digits))).sum(axis=1)
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    headline = np.zeros(len(unique), dtype=bool)
    pooled = np.zeros(len(unique), dtype=bool)
    shown = np.zeros((len(unique), digits), dtype=bool)
    for u, at in enumerate(first):
        open_groups = [j for j in range(digits) if state[at, j] in (OPEN, KNOWN)]
        order = tuple(sorted(open_groups, key=lambda j: size_rank[at, j]))
        decision = decide(
            tuple(int(s) for s in state[at]), tuple(bool(b) for b in in_headline[at]), order
        )
        headline[u], pooled[u] = decision.headline, decision.pooled
        shown[u] = decision.groups
    groups = shown[inverse]
    reasons = np.full(n.shape, "", dtype=object)
    for j, group in enumerate(COUNTED):
        hidden = (state[:, j] != ABSENT) & ~groups[:, j]
        protected = state[:, j] == PROTECTED
        own = COMPLEMENT
        reasons[hidden & ~protected, j] = own
        mine = known[:, j] > 0 if known is not None else np.zeros(len(n), dtype=bool)
        if group == RaterGroup.superior.value:
            reasons[hidden & protected & mine, j] = CO_SUPERIORS
            reasons[hidden & protected & ~mine & (n[:, j] == 2), j] = TWO_SUPERIORS
            reasons[hidden & protected & ~mine & (n[:, j] != 2), j] = BELOW_THRESHOLD
        else:
            reasons[hidden & protected & mine, j] = OTHER_RATERS
            reasons[hidden & protected & ~mine, j] = BELOW_THRESHOLD
    return Release(
        headline=headline[inverse], pooled=pooled[inverse], groups=groups, reasons=reasons
    )


def counted_matrix(groups: pl.DataFrame, cells: np.ndarray) -> np.ndarray:
    """cell × COUNTED counts for the given cells (rows in the order of `cells`)."""
    groups = groups.sort("cell")
    wide = widen(groups)
    n = wide.matrix(groups["n"].to_numpy(), 0)[:, _COUNTED_INDEX]
    at = wide.find(cells)
    return np.where((at >= 0)[:, None], n[np.clip(at, 0, None)], 0)


def pooled_comments(comments: pl.DataFrame, group_sizes: pl.DataFrame, seed: int) -> list[str]:
    """comments: rater_group, comment (counted responses only). group_sizes: rater_group, n
    (the cadre's counted responses per group). Only groups of at least MIN_COMMENT_GROUP
    contribute; the texts come shuffled, without any attribute."""
    allowed = group_sizes.filter(pl.col("n") >= MIN_COMMENT_GROUP)["rater_group"].implode()
    texts = comments.filter(
        pl.col("rater_group").is_in(allowed) & (pl.col("comment").str.strip_chars() != "")
    )["comment"].to_list()
    random.Random(seed).shuffle(texts)
    return texts


FOR_CO_SUPERIOR = "为保护其他评价人的匿名，本项结果不向您显示"


def restrict_for_rater(
    scores: pl.DataFrame,
    groups: pl.DataFrame,
    rated: dict[str, set[str]] | set[str],
    min_responses: dict[str, int],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One cadre's released rows, as a reader who rated that cadre may see them — as a
    superior, or in any other group (a former peer who leads the cadre now). scores:
    competency, corrected (null when withheld), raw_mean, … (one row per competency).
    groups: competency, rater_group, n, raw_mean, corrected_mean, reason. rated: per rater
    group, the competencies the reader rated (a plain set: as a superior). The reader knows
    their own ratings, so more may have to be withheld; never less than the office's release
    is withheld."""
    by_group = rated if isinstance(rated, dict) else {RaterGroup.superior.value: rated}
    competencies = scores["competency"].to_list()
    counted = groups.filter(pl.col("rater_group").cast(pl.String).is_in(COUNTED))
    n = np.zeros((len(competencies), len(COUNTED)), dtype=np.int64)
    weighted = np.zeros((len(competencies), len(COUNTED)), dtype=bool)
    where = {c: i for i, c in enumerate(competencies)}
    for competency, group, count, weight in counted.select(
        "competency", pl.col("rater_group").cast(pl.String), "n", pl.col("weight").fill_null(0.0)
    ).iter_rows():
        if competency in where:
            n[where[competency], COUNTED.index(group)] = count
            weighted[where[competency], COUNTED.index(group)] = weight > 0
    headline = scores["corrected"].is_not_null().to_numpy()
    known = np.array(
        [[c in by_group.get(group, set()) for group in COUNTED] for c in competencies],
        dtype=np.int64,
    ).reshape(len(competencies), len(COUNTED))
    known = np.where(n > 0, known, 0)
    # the headline is a function of the weighted groups' means only (weighting)
    decision = release(n, weighted & (n > 0) & headline[:, None], min_responses, known)
    keep_headline = pl.Series(decision.headline & headline)
    keep_pooled = pl.Series(decision.pooled)
    number_columns = [
        c
        for c in (
            "corrected",
            "score",
            "score_100",
            "lo",
            "hi",
            "sd",
            "reliability",
            "percentile",
            "rank",
            "norm",
            "severity",
            "gap",
        )
        if c in scores.columns
    ]
    label_columns = [c for c in ("light", "finding", "gap_kind") if c in scores.columns]
    scores = scores.with_columns(
        *[pl.when(keep_headline).then(pl.col(c)) for c in number_columns + label_columns],
        raw_mean=pl.when(keep_pooled & keep_headline).then(pl.col("raw_mean")),
        withheld=pl.when(keep_headline)
        .then(pl.col("withheld"))
        .otherwise(pl.coalesce(pl.col("withheld"), pl.lit(FOR_CO_SUPERIOR))),
    )
    visible = {
        (competency, group): bool(decision.groups[i, j])
        for competency, i in where.items()
        for j, group in enumerate(COUNTED)
    }
    reasons = {
        (competency, group): str(decision.reasons[i, j])
        for competency, i in where.items()
        for j, group in enumerate(COUNTED)
    }
    keys = groups.select("competency", pl.col("rater_group").cast(pl.String).alias("g")).rows()
    shown = pl.Series([visible.get(k, True) for k in keys])
    why = pl.Series([reasons.get(k) or None for k in keys], dtype=pl.String)
    groups = groups.with_columns(
        raw_mean=pl.when(shown).then(pl.col("raw_mean")),
        corrected_mean=pl.when(shown).then(pl.col("corrected_mean")),
        reason=pl.when(shown).then(pl.col("reason")).otherwise(pl.coalesce(pl.col("reason"), why)),
    )
    return scores, groups
