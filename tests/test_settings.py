"""Settings: validated from the environment; bad values stop startup with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import SettingsError, load_settings, sqlite_path_from_url


def test_defaults_are_an_embedded_sqlite_file() -> None:
    settings = load_settings({})
    assert settings.is_sqlite
    assert settings.sqlite_path.name == "cadre360.sqlite"
    assert settings.sqlite_path.parent.name == "var"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)


def test_sqlite_paths() -> None:
    assert sqlite_path_from_url("sqlite:////tmp/x.sqlite") == Path("/tmp/x.sqlite")
    assert sqlite_path_from_url("sqlite:///var/x.sqlite").parts[-2:] == ("var", "x.sqlite")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://x"}, "unsupported scheme"),
        ({"DATABASE_URL": "postgresql://"}, "DATABASE_URL is malformed"),
        ({"DATABASE_URL": "postgresql://u:secret@host:notaport/db"}, "DATABASE_URL is malformed"),
        ({"DATABASE_URL": "sqlite://relative"}, "DATABASE_URL is malformed"),
        ({"CADRE360_MODE": "production"}, "SECRET_KEY is required in production"),
        ({"CADRE360_MODE": "production", "SECRET_KEY": "short"}, "at least 32 characters"),
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"WORKERS": "0"}, "WORKERS must be between 1 and 64"),
        ({"LOG_LEVEL": "loud"}, "invalid setting"),
        ({"CADRE360_MODE": "staging"}, "CADRE360_MODE must be"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


def test_password_in_a_bad_url_is_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATABASE_URL": "postgresql://u:topsecret@host:notaport/db"})
    assert "topsecret" not in str(caught.value)


@pytest.mark.parametrize(
    "environ",
    [
        {"DATABASE_URL": "postgres:/broken"},
        {"CADRE360_MODE": "production", "DATABASE_URL": "sqlite:////tmp/p.sqlite"},
    ],
)
def test_cli_stops_with_one_line_not_a_traceback(environ: dict[str, str]) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DATABASE_URL", "CADRE360_MODE")
    }
    result = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "serve"],
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cadre360: configuration error:")
    assert "Traceback" not in result.stderr


def test_help_lists_each_setting_on_its_own_lines() -> None:
    """`cadre360 --help` as an operator reads it: every setting starts its own paragraph,
    not run together into one block."""
    from click.testing import CliRunner

    from app.cli import main
    from app.config import SETTINGS

    shown = CliRunner().invoke(main, ["--help"]).output
    starts = [line.strip().split()[0] for line in shown.splitlines() if line.strip()]
    assert all(s.env in starts for s in SETTINGS), shown
