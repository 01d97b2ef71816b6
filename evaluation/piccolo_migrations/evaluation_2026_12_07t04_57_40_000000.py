"""One appeal concept: the one-pending index of `appeal_case`, and every appeal lodged so far
copied into it — the 360 appeals (`appeal`) and, where the scorecard's table exists already,
the towns' (`scorecard_appeal`); the old tables are dropped by the migrations after this."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from evaluation.tables import Cycle

ID = "2026-12-07T04:57:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "appeal_case: one pending per kind, period and subject; the appeals copied in"

COLUMNS = (
    "kind, period, subject, item, reason, lodged_by, lodged_on, lodged_at, state, correction,"
    " decision_reason, decided_by, decided_on, decided_at"
)


class _LegacyTownAppeal(Table, tablename="scorecard_appeal"):
    """Only to ask whether the scorecard's old table exists yet (a fresh database runs this
    before the scorecard's migrations create it)."""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)

    async def copy_and_index() -> None:
        await Cycle.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS appeal_case_pending_once"
            " ON appeal_case (kind, period, subject) WHERE state = 'pending'"
        )
        await Cycle.raw(
            f"INSERT INTO appeal_case ({COLUMNS})"
            " SELECT 'cadre_result', cycle, cadre, competency, reason, account, lodged_on,"
            " lodged_at, state, correction, decision_reason, decided_by, decided_on, decided_at"
            " FROM appeal ORDER BY id"
        )
        if await _LegacyTownAppeal.table_exists():
            await Cycle.raw(
                f"INSERT INTO appeal_case ({COLUMNS})"
                " SELECT 'town_year', plan, town, indicator, reason, lodged_by, lodged_on,"
                " CURRENT_TIMESTAMP, state,"
                " CASE WHEN corrected IS NULL THEN '' ELSE CAST(corrected AS TEXT) END,"
                " decision_reason, decided_by, decided_on, NULL"
                " FROM scorecard_appeal ORDER BY id"
            )

    async def drop_index() -> None:
        await Cycle.raw("DROP INDEX IF EXISTS appeal_case_pending_once")

    manager.add_raw(copy_and_index)
    manager.add_raw_backwards(drop_index)
    return manager
