import os

from piccolo.conf.apps import AppConfig

from evaluation.scorecard.tables import (
    Card,
    ContractAcceptance,
    Exemption,
    GroupMember,
    IndicatorValue,
    Interview,
    KeyProject,
    Milestone,
    ReportDraft,
    SourceImport,
    Standing,
    Supervision,
    Target,
    TownPlan,
    ValueAttachment,
    ValueReview,
    YearAdjustment,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="scorecard",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        TownPlan,
        Target,
        ContractAcceptance,
        IndicatorValue,
        ReportDraft,
        ValueAttachment,
        ValueReview,
        SourceImport,
        YearAdjustment,
        KeyProject,
        Milestone,
        Card,
        Exemption,
        Interview,
        Supervision,
        GroupMember,
        Standing,
    ],
    migration_dependencies=["evaluation.piccolo_app"],
    commands=[],
)
