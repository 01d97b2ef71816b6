import os

from piccolo.conf.apps import AppConfig

from evaluation.tables import (
    Assignment,
    Cadre,
    CaseNote,
    CodeBatch,
    County,
    Cycle,
    Draft,
    EvaluationCode,
    Evidence,
    GroupScore,
    Leadership,
    ProfileSnapshot,
    RaterResult,
    ResidentLink,
    Response,
    ResponseFlag,
    ResponseItem,
    RubricVersion,
    ScoreRow,
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
        ScoreRow,
        GroupScore,
        RaterResult,
        CaseNote,
    ],
    migration_dependencies=[],
    commands=[],
)
