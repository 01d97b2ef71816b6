import os

from piccolo.conf.apps import AppConfig

from app.accounts.tables import ApiToken, AuditEntry, LoginThrottle, Session, User

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[User, Session, AuditEntry, LoginThrottle, ApiToken],
    migration_dependencies=["evaluation.piccolo_app"],
    commands=[],
)
