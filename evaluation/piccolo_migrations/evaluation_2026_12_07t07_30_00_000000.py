"""The snapshot's tables take the analytics' own column names (issue 33), so one
declaration (`evaluation.results.published`) serves the writer and every reader and
nothing is renamed at the boundary."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T07:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "snapshot tables in the analytics' column names"

RENAMES = [  # in order: snapshot_cadre's town becomes town_id before town_name becomes town
    ("CellResult", "cell_result", "ratee", "ratee_id"),
    ("GroupResult", "group_result", "ratee", "ratee_id"),
    ("CadreSummary", "cadre_summary", "ratee", "ratee_id"),
    ("SnapshotCadre", "snapshot_cadre", "cadre", "ratee_id"),
    ("SnapshotCadre", "snapshot_cadre", "town", "town_id"),
    ("SnapshotCadre", "snapshot_cadre", "town_name", "town"),
    ("RaterResult", "rater_result", "rater", "rater_id"),
    ("RaterResult", "rater_result", "town_name", "town"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)
    for class_name, tablename, old, new in RENAMES:
        manager.rename_column(
            table_class_name=class_name,
            tablename=tablename,
            old_column_name=old,
            new_column_name=new,
            old_db_column_name=old,
            new_db_column_name=new,
        )
    return manager
