"""Piccolo's configuration: the engine comes from DATABASE_URL (see app/config.py)."""

from piccolo.conf.apps import AppRegistry

from app.config import database_url_of
from app.engines import engine_from_url

DB = engine_from_url(database_url_of())

APP_REGISTRY = AppRegistry(
    apps=[
        "evaluation.piccolo_app",
        "evaluation.scorecard.piccolo_app",
        "training.piccolo_app",
        "app.accounts.piccolo_app",
    ]
)
