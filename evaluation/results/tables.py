"""The published snapshot's tables: what a cycle's results hold once released — one row per
cadre and competency, per rater group, per cadre (the overall, who they were), per rater (the
review queue), the agreement, the pooled comments and what each cadre rater covered. Their one
reader and writer is `evaluation.results.published`."""

from __future__ import annotations

from piccolo.columns import Boolean, Float, ForeignKey, Integer, Serial, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from evaluation.tables import Cadre, ProfileSnapshot


class CellResult(Table, tablename="cell_result"):
    """A cadre's result on one competency in a snapshot, as released to the office and the
    cadre (`analytics.release`): a withheld cell keeps its size and the reason, never its
    numbers; a hidden pooled raw mean is NULL."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    competency = Varchar(length=32)
    n = Integer()
    raw_mean = Float(null=True, default=None)
    corrected = Float(null=True, default=None)  # the weighted, calibrated mean before shrinkage
    score = Float(null=True, default=None)
    score_100 = Float(null=True, default=None)
    lo = Float(null=True, default=None)
    hi = Float(null=True, default=None)
    sd = Float(null=True, default=None)
    reliability = Float(null=True, default=None)
    percentile = Float(null=True, default=None)
    rank = Integer(null=True, default=None)  # among comparable cadres (same position class)
    norm = Float(null=True, default=None)  # the comparable cadres' mean
    light = Varchar(length=8, null=True, default=None)
    finding = Varchar(length=24, null=True, default=None)
    severity = Float(null=True, default=None)
    self_mean = Float(null=True, default=None)
    gap_kind = Varchar(length=16, null=True, default=None)  # blind_spot | hidden_strength
    redistributed = Boolean(default=False)
    missing_groups = Varchar(length=64, default="")  # weighted groups without ratings
    withheld = Varchar(length=64, null=True, default=None)  # why the numbers are not shown
    component = Integer(default=0)  # piece of the rating graph; 0 = linked to the county
    # the error's loadings on the factors a cadre's competencies share (analytics.composite):
    # the overall's interval counts them; NULL in snapshots from before they were stored
    halo_loading = Float(null=True, default=None)
    level_loading = Float(null=True, default=None)


class GroupResult(Table, tablename="group_result"):
    """A rater group's means for one cadre and competency in a snapshot, as released. Hidden
    groups keep their size and the reason, never their means."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    competency = Varchar(length=32)
    rater_group = Varchar(length=16)
    n = Integer()
    raw_mean = Float(null=True, default=None)
    corrected_mean = Float(null=True, default=None)
    reason = Varchar(length=64, null=True, default=None)
    weight = Float(null=True, default=None)  # the group's share of the headline, as set


class SnapshotCadre(Table, tablename="snapshot_cadre"):
    """Who a cadre was when the snapshot was taken — name, post and town — so a published
    cycle reads the organisation as it was, whatever the roster says later."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    external_id = Varchar(length=32)
    name = Varchar(length=32)
    position = Varchar(length=32)
    position_class = Varchar(length=16)
    town_id = Integer()
    town_external_id = Varchar(length=32)
    town = Varchar(length=64)
    town_type = Varchar(length=16)


class CadreSummary(Table, tablename="cadre_summary"):
    """A cadre's overall result in a snapshot: the released competency scores combined by
    the rubric's weights, and the general level against comparable cadres."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    overall = Float()
    overall_sd = Float()
    competencies = Integer()
    level = Varchar(length=16)  # overall_low | overall_typical | overall_high
    rank = Integer()  # among comparable cadres, 1 = best
    peers = Integer()  # comparable cadres


class AgreementRow(Table, tablename="agreement_row"):
    """The cycle's rater agreement per rater group and competency (ICC and alpha)."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    rater_group = Varchar(length=16)
    competency = Varchar(length=32)
    cadres = Integer()
    raters_per_cadre = Float()
    icc1 = Float(null=True, default=None)
    icc1k = Float(null=True, default=None)
    alpha = Float(null=True, default=None)


class RaterResult(Table, tablename="rater_result"):
    """A rater's severity, fit and flags in a snapshot: for the assessment office's review
    queue only, never shown to cadres."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    rater_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    # who the rater was when the snapshot was taken (null in snapshots from before these
    # columns: those read today's roster)
    name = Varchar(length=32, null=True, default=None)
    position = Varchar(length=32, null=True, default=None)
    town = Varchar(length=64, null=True, default=None)
    severity = Float()
    misfit = Boolean(default=False)
    extreme = Varchar(length=8, null=True, default=None)  # strict | lenient
    straight_lining = Boolean(default=False)
    identical_cluster = Boolean(default=False)


class SnapshotComment(Table, tablename="snapshot_comment"):
    """A cadre's comments as published: the texts only, pooled and shuffled once at
    publication from groups large enough to pool (`analytics.release.pooled_comments`), so
    the feedback page never reads a response."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer()  # the published order
    comment = Text()


class SnapshotReading(Table, tablename="snapshot_reading"):
    """What a cadre rater's counted answers on a cadre covered, per rater group: the one fact
    a rater-reader's view needs (`analytics.release.restrict_for_rater`: a leader who rated
    a cadre must not subtract their own answers), kept with the snapshot — never levels."""

    id: Serial
    snapshot = ForeignKey(
        references=ProfileSnapshot, on_delete=OnDelete.cascade, null=False, index=True
    )
    rater_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    ratee_id = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False)
    rater_group = Varchar(length=16)
    competencies = Text()  # the competency ids, comma-separated
