import os

from piccolo.conf.apps import AppConfig

from evaluation.results.appeal_tables import Appeal
from evaluation.tables import (
    AgreementRow,
    Assignment,
    Cadre,
    CadreSummary,
    CaseNote,
    CellResult,
    CodeBatch,
    County,
    Cycle,
    Draft,
    EvaluationCode,
    Evidence,
    GroupResult,
    Leadership,
    ProfileSnapshot,
    RaterResult,
    ResidentLink,
    Response,
    ResponseFlag,
    ResponseItem,
    RubricVersion,
    SnapshotCadre,
    Town,
    VerificationCode,
    WorkReport,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="evaluation",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        County,
        Town,
        Cadre,
        Leadership,
        RubricVersion,
        Cycle,
        Assignment,
        ResidentLink,
        CodeBatch,
        EvaluationCode,
        Response,
        ResponseItem,
        Evidence,
        Draft,
        WorkReport,
        ResponseFlag,
        VerificationCode,
        ProfileSnapshot,
        CellResult,
        GroupResult,
        SnapshotCadre,
        CadreSummary,
        AgreementRow,
        RaterResult,
        CaseNote,
        Appeal,
    ],
    migration_dependencies=[],
    commands=[],
)
