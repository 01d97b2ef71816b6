import os

from piccolo.conf.apps import AppConfig

from evaluation.tables import Cadre, County, Leadership, Town

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="evaluation",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[County, Town, Cadre, Leadership],
    migration_dependencies=[],
    commands=[],
)
