from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from facturier.dispatch.models import Dispatch
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_invoice, make_pdf

pytestmark = pytest.mark.django_db

HEADER = "number,customer_ref,issue_date,due_date,total,currency,pdf,send_at\n"
LINES = [
    "F-1,C-1,2026-11-20,2026-12-20,100.00,EUR,f1.pdf,2026-11-24T08:00:00+01:00\n",
    "F-2,C-1,2026-11-21,2026-12-21,250.10,EUR,f2.pdf,\n",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_customer(external_ref="C-1", emails=["a@one.example", "b@one.example"])
    path = tmp_path / "batch"
    path.mkdir()
    (path / "f1.pdf").write_bytes(make_pdf(1))
    (path / "f2.pdf").write_bytes(make_pdf(2))
    (path / "junk.pdf").write_bytes(b"not a pdf")
    return path


def write(folder: Path, lines: list[str]) -> None:
    (folder / "invoices.csv").write_text(HEADER + "".join(lines), encoding="utf-8")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import-invoices", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def stored_pdfs() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*.pdf")] if root.exists() else []


def test_a_good_folder_imports_every_invoice_with_its_dispatches(folder: Path) -> None:
    write(folder, LINES)
    assert "2 invoice(s) imported" in run(str(folder))
    assert set(Invoice.objects.values_list("number", "source")) == {("F-1", "folder"), ("F-2", "folder")}
    assert Dispatch.objects.count() == 4
    assert Invoice.objects.get(number="F-2").pdf.read() == make_pdf(2)


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ("F-3,C-1,2026-11-21,2026-12-21,abc,EUR,f1.pdf,\n", "line 4, field total"),
        ("F-3,C-1,2026-11-21,2026-11-01,1,EUR,f1.pdf,\n", "line 4, field due_date"),
        ("F-3,C-1,2026-11-21,2026-12-21,1,EUR,f1.pdf,2026-11-24 08:00\n", "line 4, field send_at"),
        ("F-3,C-NOBODY,2026-11-21,2026-12-21,1,EUR,f1.pdf,\n", "line 4, field customer_ref"),
        ("F-3,C-1,2026-11-21,2026-12-21,1,EUR,missing.pdf,\n", "line 4, field pdf"),
        ("F-3,C-1,2026-11-21,2026-12-21,1,EUR,junk.pdf,\n", "line 4, field pdf"),
        ("F-3,C-1,2026-11-21,2026-12-21,1,EUR,../f1.pdf,\n", "line 4, field pdf"),
        ("F-1,C-1,2026-11-21,2026-12-21,1,EUR,f1.pdf,\n", "line 4, field number"),
        ("F-OLD,C-1,2026-11-21,2026-12-21,1,EUR,f1.pdf,\n", "line 4, field number"),
    ],
)
def test_one_bad_line_names_line_and_field_and_writes_nothing(folder: Path, bad_line: str, expected: str) -> None:
    make_invoice(number="F-OLD")
    write(folder, [*LINES, bad_line])
    with pytest.raises(CommandError) as caught:
        run(str(folder))
    assert expected in str(caught.value)
    assert list(Invoice.objects.values_list("number", flat=True)) == ["F-OLD"]
    assert not Dispatch.objects.exists()
    assert len(stored_pdfs()) == 1  # F-OLD's only


def test_a_failure_while_writing_rolls_back_rows_and_files(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(folder, LINES)
    from facturier.invoices import services

    real = services.dispatch_create
    calls = {"n": 0}

    def fail_on_third(**kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "dispatch_create", fail_on_third)
    with pytest.raises(RuntimeError):
        run(str(folder))
    assert not Invoice.objects.exists() and not Dispatch.objects.exists()
    assert stored_pdfs() == []


def test_dry_run_checks_everything_and_writes_nothing(folder: Path) -> None:
    write(folder, LINES)
    assert "2 invoice(s) checked" in run(str(folder), "--dry-run")
    assert not Invoice.objects.exists() and stored_pdfs() == []


def test_a_folder_without_invoices_csv_is_refused(folder: Path) -> None:
    with pytest.raises(CommandError, match=r"no invoices\.csv"):
        run(str(folder))


def test_the_cli_exits_1_with_a_message_and_no_traceback(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(folder, ["F-3,C-1,2026-11-21,2026-12-21,1,EURO,f1.pdf,\n"])
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["facturier", "import-invoices", str(folder), "--verbosity", "0"])
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "line 2, field currency" in err and "Traceback" not in err
