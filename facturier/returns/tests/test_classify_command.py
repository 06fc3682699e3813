"""`facturier classify FILE...`: one JSON verdict per file and line; unreadable files on stderr."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SAMPLES = Path(__file__).parent / "samples"


def test_prints_one_json_object_per_file() -> None:
    out = StringIO()
    files = [str(SAMPLES / "qmail.eml"), str(SAMPLES / "autoreply-de.eml")]
    call_command("classify", *files, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["file"] for r in rows] == files
    assert rows[0]["kind"] == "hard_bounce" and rows[0]["rcpt"] == "gerant@boulangerie-exemple.example"
    assert rows[0]["message_id"] == "<inv.FA-2026-0801.d6006@facturier.example>"
    assert rows[1]["kind"] == "auto_reply" and rows[1]["return_date"] == "2026-08-24"
    assert {"file", "kind", "reason", "status", "rcpt", "message_id", "recipients"} <= rows[0].keys()


def test_unreadable_file_is_reported_and_the_others_still_classified(tmp_path: Path) -> None:
    out, err = StringIO(), StringIO()
    missing = tmp_path / "missing.eml"
    with pytest.raises(CommandError) as raised:
        call_command("classify", str(missing), str(SAMPLES / "exim.eml"), stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert str(missing) in err.getvalue()
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["kind"] for r in rows] == ["hard_bounce"]
