"""Piccolo's configuration: the engine comes from DATABASE_URL (see app/config.py)."""

import os

from piccolo.conf.apps import AppRegistry

from app.config import DEFAULT_SQLITE_PATH
from app.engines import engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}")

APP_REGISTRY = AppRegistry(
    apps=[
        "evaluation.piccolo_app",
        "evaluation.scorecard.piccolo_app",
        "training.piccolo_app",
        "app.accounts.piccolo_app",
    ]
)
