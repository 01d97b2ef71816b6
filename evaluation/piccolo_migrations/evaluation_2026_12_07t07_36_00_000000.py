"""Snapshots published before their comments and readings were kept get them now, from the
responses exactly as the pages read them until today: the same counted responses, the same
pooling and the same seed (snapshot id × 100003 + cadre id), so no published page changes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T07:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill the published comments and readings of earlier snapshots"

COUNTED = """
    r.cycle = ps.cycle
    AND NOT EXISTS (
        SELECT 1 FROM response_flag f WHERE f.response = r.id AND f.decision <> 'kept'
    )
    AND r.rater_group <> 'self'
"""


async def fill() -> None:
    import polars as pl

    from evaluation.analytics.release import pooled_comments
    from evaluation.tables import ProfileSnapshot

    db = ProfileSnapshot._meta.db
    joined = "group_concat(competency, ',')"  # over the ordered rows below
    if db.engine_type == "postgres":
        joined = "string_agg(competency, ',' ORDER BY competency)"
    await ProfileSnapshot.raw(
        f"""
        INSERT INTO snapshot_reading (snapshot, rater_id, ratee_id, rater_group, competencies)
        SELECT snapshot, rater, ratee, rater_group, {joined}
        FROM (
            SELECT DISTINCT ps.id AS snapshot, r.rater, r.ratee, r.rater_group, ri.competency
            FROM profile_snapshot ps
            JOIN response r ON {COUNTED}
            JOIN response_item ri ON ri.response = r.id
            WHERE r.rater IS NOT NULL AND ri.level IS NOT NULL
            ORDER BY ri.competency
        ) AS covered
        GROUP BY snapshot, rater, ratee, rater_group
        """
    )
    rows = await ProfileSnapshot.raw(
        f"""
        SELECT ps.id AS snapshot, r.ratee AS ratee_id, r.rater_group, r.comment
        FROM profile_snapshot ps JOIN response r ON {COUNTED}
        ORDER BY ps.id, r.id
        """
    )
    if not rows:
        return
    counted = pl.DataFrame(
        rows,
        schema={
            "snapshot": pl.Int64,
            "ratee_id": pl.Int64,
            "rater_group": pl.String,
            "comment": pl.String,
        },
    )
    for (snapshot, ratee_id), mine in counted.group_by("snapshot", "ratee_id", maintain_order=True):
        sizes = mine.group_by("rater_group").agg(n=pl.len())
        texts = pooled_comments(
            mine.select("rater_group", "comment"), sizes, snapshot * 100_003 + ratee_id
        )
        for position, text in enumerate(texts):
            await ProfileSnapshot.raw(
                "INSERT INTO snapshot_comment (snapshot, ratee_id, position, comment)"
                " VALUES ({}, {}, {}, {})",
                snapshot,
                ratee_id,
                position,
                text,
            )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)
    manager.add_raw(fill)
    return manager
