from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from facturier.crm.models import Customer, CustomerEmail
from facturier.testing.factories import make_customer

pytestmark = pytest.mark.django_db

HEADER = "external_ref,name,emails,language,line1,postal_code,city,country,time_zone,send_days,send_from,send_until\n"
GOOD = (
    HEADER
    + "C-1,Alpha SARL,compta@alpha.example;boss@alpha.example,fr,1 rue A,75001,Paris,FR,Europe/Paris,12345,08:00,18:00"
    "\n"
    "C-2,Beta GmbH,rechnung@beta.example,de,,,,,,,,\n"
    "\n"  # a blank line, as spreadsheets leave at the end
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import-customers", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def test_a_good_file_creates_every_customer(tmp_path: Path) -> None:
    assert "2 customer(s) created, 0 updated" in run(str(write(tmp_path, GOOD)))
    alpha = Customer.objects.get(external_ref="C-1")
    assert alpha.postal_city == "Paris" and alpha.send_days == "12345"
    assert sorted(alpha.emails.values_list("address", flat=True)) == ["boss@alpha.example", "compta@alpha.example"]
    assert Customer.objects.get(external_ref="C-2").language == "de"


def test_existing_customers_are_updated_and_empty_cells_keep_values(tmp_path: Path) -> None:
    make_customer(external_ref="C-2", name="Old", postal_city="Berlin", emails=["old@beta.example"])
    assert "1 customer(s) created, 1 updated" in run(str(write(tmp_path, GOOD)))
    beta = Customer.objects.get(external_ref="C-2")
    assert beta.name == "Beta GmbH" and beta.postal_city == "Berlin"
    assert not CustomerEmail.objects.get(address="old@beta.example").active


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ("C-3,Gamma,not-an-email,fr,,,,,,,,\n", "line 4, field emails"),
        ("C-3,Gamma,g@gamma.example,xx,,,,,,,,\n", "line 4, field language"),
        ("C-3,Gamma,g@gamma.example,fr,,,,,Moon/Base,,,\n", "line 4, field time_zone"),
        ("C-1,Again,g@gamma.example,fr,,,,,,,,\n", "line 4, field external_ref"),
    ],
)
def test_one_bad_line_names_line_and_field_and_writes_nothing(tmp_path: Path, bad_line: str, expected: str) -> None:
    path = write(tmp_path, GOOD.rstrip("\n") + "\n" + bad_line)
    with pytest.raises(CommandError) as caught:
        run(str(path))
    assert expected in str(caught.value) and "Nothing was written" in str(caught.value)
    assert not Customer.objects.exists()


def test_a_missing_column_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="missing column"):
        run(str(write(tmp_path, "external_ref,name\nC-1,A\n")))


def test_dry_run_checks_and_writes_nothing(tmp_path: Path) -> None:
    assert "2 customer(s) checked" in run(str(write(tmp_path, GOOD)), "--dry-run")
    assert not Customer.objects.exists()


def test_the_cli_exits_1_with_a_message_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, HEADER + "C-9,Bad,nope,fr,,,,,,,,\n")
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["facturier", "import-customers", str(path), "--verbosity", "0"])
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "line 2, field emails" in err and "Traceback" not in err
