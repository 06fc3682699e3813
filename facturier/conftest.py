"""Fixtures shared by every app's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "sisimai"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: `make test` runs it in its PostgreSQL pass "
        "(python -m facturier.testing.pgserver -- pytest -m postgres)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_and_var_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Every test writes files (PDFs, sandbox mail, print batches) under its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.FACTURIER_SANDBOX_DIR = tmp_path / "sandbox"


@pytest.fixture
def corpus_dir() -> Path:
    if not (CORPUS / "labels.jsonl").exists():
        pytest.skip(f"the labelled corpus is absent ({CORPUS}); it is read in place, never copied")
    return CORPUS


@pytest.fixture
def viewer(db: None) -> Any:
    from facturier.testing.factories import make_user

    return make_user("vera-viewer", "viewer")


@pytest.fixture
def operator(db: None) -> Any:
    from facturier.testing.factories import make_user

    return make_user("otto-operator", "operator")


@pytest.fixture
def admin_user(db: None) -> Any:
    from facturier.testing.factories import make_user

    return make_user("ada-admin", "admin")
