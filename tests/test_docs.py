"""The documents point at tests that exist: every `tests/….py` path and every
`file.py::test_name` in SECURITY.md, ARCHITECTURE.md and README.md is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ["SECURITY.md", "ARCHITECTURE.md", "README.md"]
PATH = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")
NAMED = re.compile(r"`(test_\w+\.py)::(\w+)`")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_a_document_names_exists(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = []
    for path, name in PATH.findall(text):
        if not (ROOT / path).exists():
            missing.append(path)
        elif name and f"def {name}(" not in (ROOT / path).read_text(encoding="utf-8"):
            missing.append(f"{path}::{name}")
    for file, name in NAMED.findall(text):
        found = list((ROOT / "tests").rglob(file))
        if not any(f"def {name}(" in f.read_text(encoding="utf-8") for f in found):
            missing.append(f"{file}::{name}")
    assert missing == []
