"""Response rates per cycle, town, rater group and rater; overdue raters. Pure over frames.

A response that answers an assignment counts once for that assignment; resident, code and
paper responses have no assignment and are counted beside, never in a rate's denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import polars as pl

from evaluation.errors import Conflict, Invalid
from evaluation.groups import GROUPS
from evaluation.rows import rows_of


class GroupProgress(msgspec.Struct, frozen=True, kw_only=True):
    rater_group: str
    assigned: int
    submitted: int
    rate: float | None
    unassigned_responses: int


class TownProgress(msgspec.Struct, frozen=True, kw_only=True):
    town_id: int
    town: str
    assigned: int
    submitted: int
    rate: float | None
    resident_responses: int


@dataclass(frozen=True)
class Progress:
    overall: dict[str, float]
    by_group: pl.DataFrame  # rater_group, assigned, submitted, rate, unassigned_responses
    by_town: pl.DataFrame  # town_id, town, assigned, submitted, rate, resident_responses
    by_rater: pl.DataFrame  # rater_id, name, town, assigned, submitted, open

    def groups(self, *, rated_only: bool = False) -> list[GroupProgress]:
        """Each rater group's rate; `rated_only`: the groups with any assignment."""
        frame = self.by_group.filter(pl.col("assigned") > 0) if rated_only else self.by_group
        return rows_of(frame, GroupProgress)

    @property
    def raters(self) -> int:
        return self.by_rater.height

    @property
    def outstanding(self) -> int:
        """Raters with an assignment still open."""
        return self.by_rater.filter(pl.col("open") > 0).height

    def towns(self) -> list[TownProgress]:
        return rows_of(self.by_town, TownProgress)


def rate(submitted: pl.Expr, assigned: pl.Expr) -> pl.Expr:
    return pl.when(assigned > 0).then((submitted / assigned).round(4)).otherwise(None)


def compute_progress(
    assignments: pl.DataFrame, responses: pl.DataFrame, cadres: pl.DataFrame
) -> Progress:
    """assignments: rater_id, ratee_id, rater_group, status. responses: ratee_id,
    rater_group, assignment_id (null when unassigned). cadres: cadre_id, name, town_id, town."""
    live = assignments.filter(pl.col("status") != "removed").with_columns(
        done=(pl.col("status") == "submitted").cast(pl.Int64)
    )
    unassigned = responses.filter(pl.col("assignment_id").is_null())
    by_group = (
        pl.DataFrame({"rater_group": list(GROUPS)})
        .join(
            live.group_by("rater_group").agg(
                pl.len().alias("assigned"), pl.col("done").sum().alias("submitted")
            ),
            on="rater_group",
            how="left",
        )
        .join(
            unassigned.group_by("rater_group").agg(pl.len().alias("unassigned_responses")),
            on="rater_group",
            how="left",
        )
        .fill_null(0)
        .with_columns(rate=rate(pl.col("submitted"), pl.col("assigned")))
    )
    towns = cadres.select("town_id", "town").unique().sort("town_id")
    ratee_town = cadres.select(pl.col("cadre_id").alias("ratee_id"), "town_id")
    by_town = (
        towns.join(
            live.join(ratee_town, on="ratee_id")
            .group_by("town_id")
            .agg(pl.len().alias("assigned"), pl.col("done").sum().alias("submitted")),
            on="town_id",
            how="left",
        )
        .join(
            unassigned.filter(pl.col("rater_group") == "resident")
            .join(ratee_town, on="ratee_id")
            .group_by("town_id")
            .agg(pl.len().alias("resident_responses")),
            on="town_id",
            how="left",
        )
        .fill_null(0)
        .with_columns(rate=rate(pl.col("submitted"), pl.col("assigned")))
    )
    by_rater = (
        live.group_by("rater_id")
        .agg(pl.len().alias("assigned"), pl.col("done").sum().alias("submitted"))
        .with_columns(open=pl.col("assigned") - pl.col("submitted"))
        .join(
            cadres.select(pl.col("cadre_id").alias("rater_id"), "name", "town"),
            on="rater_id",
            how="left",
        )
        .sort(["open", "town", "name", "rater_id"], descending=[True, False, False, False])
    )
    assigned = int(live.height)
    submitted = int(live["done"].sum()) if assigned else 0
    overall = {
        "assigned": assigned,
        "submitted": submitted,
        "rate": round(submitted / assigned, 4) if assigned else 0.0,
        "responses": responses.height,
        "resident_responses": unassigned.filter(pl.col("rater_group") == "resident").height,
    }
    return Progress(overall=overall, by_group=by_group, by_town=by_town, by_rater=by_rater)


def overdue_raters(progress: Progress) -> pl.DataFrame:
    """Raters with assignments still open (the reminder list)."""
    return progress.by_rater.filter(pl.col("open") > 0).select(
        "name", "town", "assigned", "submitted", "open"
    )


EMPTY_CYCLE = "本周期没有收到任何评价，不能发布：没有可以公布的结果"
REASON_MAX = 500


def needs_reason(overall: dict[str, float], min_rate: float) -> bool:
    """Below the cycle's minimum response rate, publishing needs a written reason."""
    return bool(overall["assigned"]) and overall["rate"] < min_rate


def require_responses(overall: dict[str, float]) -> None:
    """A cycle that received no response is never published, whatever the office writes."""
    if not overall["responses"]:
        raise Conflict(EMPTY_CYCLE)


def publish_refusal(overall: dict[str, float], min_rate: float, reason: str) -> None:
    """Whether results may be published given the cycle's response rate: never with no
    response at all; below the cycle's minimum rate only with a written reason (kept on the
    cycle). Raises Conflict or Invalid (field `reason`) in words the office can act on."""
    require_responses(overall)
    if len(reason) > REASON_MAX:
        raise Invalid("理由过长", {"reason": f"理由请控制在 {REASON_MAX} 字以内"})
    if needs_reason(overall, min_rate) and not reason.strip():
        raise Invalid(
            "回收率低于本周期要求",
            {
                "reason": f"评价任务回收率 {overall['rate']:.0%} 低于本周期要求的 {min_rate:.0%}："
                "确需发布，请写明理由（将记录在案）"
            },
        )
