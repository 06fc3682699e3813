from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from facturier.dispatch import sandbox
from facturier.dispatch.sandbox import SandboxRelay, sandbox_message_raw, sandbox_messages
from facturier.testing.ports import free_port


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    directory = tmp_path / "sandbox"
    r = SandboxRelay(port=port, directory=directory)
    r.start()
    yield port, directory
    r.stop()


def _message(n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Facture n°{n}"
    msg["From"] = "factures@invoices.example.com"
    msg["To"] = "Client <client@example.test>"
    msg["Message-ID"] = f"<m{n}@invoices.example.com>"
    msg.set_content("bonjour")
    return msg


def test_relay_advertises_dsn_and_keeps_message_and_sidecar(relay: tuple[int, Path]) -> None:
    port, directory = relay
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
        s.ehlo("test")
        assert s.has_extn("dsn")
        s.send_message(
            _message(1),
            from_addr="bounces+tok@invoices.example.com",
            to_addrs=["client@example.test"],
            mail_options=["RET=HDRS", "ENVID=tok"],
            rcpt_options=["NOTIFY=SUCCESS,FAILURE,DELAY", "ORCPT=rfc822;client@example.test"],
        )
    [meta] = sandbox_messages(directory=directory)
    assert meta["mail_from"] == "bounces+tok@invoices.example.com"
    assert meta["rcpt_tos"] == ["client@example.test"]
    assert "RET=HDRS" in meta["mail_options"] and "NOTIFY=SUCCESS,FAILURE,DELAY" in meta["rcpt_options"]
    assert (meta["message_id"], meta["subject"], meta["to"]) == (
        "<m1@invoices.example.com>",
        "Facture n°1",
        "Client <client@example.test>",
    )
    raw = sandbox_message_raw(meta["name"], directory=directory)
    assert meta["size"] == len(raw) and b"bonjour" in raw
    assert json.loads((directory / f"{meta['name']}.json").read_text())["received_at"].endswith("+00:00")
    assert not list(directory.glob(".*.tmp"))


@pytest.mark.parametrize("params", [["NOTIFY=SOMETIMES"], ["ORCPT=noseparator"]])
def test_relay_refuses_malformed_dsn_parameters(relay: tuple[int, Path], params: list[str]) -> None:
    port, _ = relay
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
        s.ehlo("test")
        s.mail("a@example.test")
        code, _ = s.rcpt("b@example.test", params)
    assert code == 501


def test_messages_are_listed_newest_first_with_a_limit(relay: tuple[int, Path]) -> None:
    port, directory = relay
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
        for n in range(3):
            s.send_message(_message(n), from_addr="a@example.test", to_addrs=["b@example.test"])
    assert [m["subject"] for m in sandbox_messages(directory=directory)] == [
        "Facture n°2",
        "Facture n°1",
        "Facture n°0",
    ]
    assert len(sandbox_messages(2, directory=directory)) == 2


@pytest.mark.parametrize("name", ["../secret", "/etc/passwd", "20261123T000000.000000Z-000001/../../x", ""])
def test_raw_reader_refuses_names_outside_the_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sandbox_message_raw(name, directory=tmp_path)


def test_reader_uses_the_setting_and_copes_with_no_folder(settings: Any, tmp_path: Path) -> None:
    settings.FACTURIER_SANDBOX_DIR = tmp_path / "absent"
    assert sandbox_messages() == []


def test_hooks_see_every_message_and_a_failing_hook_does_not_refuse_it(
    relay: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, directory = relay
    seen: list[tuple[str, int]] = []

    def broken(meta: dict[str, Any], raw: bytes) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        sandbox, "SANDBOX_HOOKS", [broken, lambda meta, raw: seen.append((meta["message_id"], len(raw)))]
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
        s.send_message(_message(7), from_addr="a@example.test", to_addrs=["b@example.test"])
    assert seen and seen[0][0] == "<m7@invoices.example.com>"
    assert len(sandbox_messages(directory=directory)) == 1
