"""A throwaway Postfix instance for tests: its own config, queue and data directories in a temporary
folder (`postfix -c DIR`), SMTP on a free loopback port. It never reads or changes /etc/postfix.

What it does with mail (see RECIPES.md section 2 for the shared instance this mirrors):

| recipient                     | result                                                        |
|-------------------------------|---------------------------------------------------------------|
| client@example.test           | delivered to a Maildir (virtual(8)); NOTIFY=SUCCESS: DSN      |
|                               | `Action: delivered`                                           |
| anyone-else@example.test      | accepted, then bounced by virtual(8): DSN failed 5.1.1        |
| x@slow.example.test           | routed to a closed loopback port: deferred; NOTIFY=DELAY: DSN |
|                               | `Action: delayed` after delay_warning_time                    |
| anything else                 | refused at RCPT (nothing ever leaves the machine)             |

DSNs go to the envelope sender. Senders in `returns_domain` are handed over LMTP to
127.0.0.1:`lmtp_port` (the returns listener) — the MTA → listener path of production.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from facturier.testing.ports import free_port, wait_for_port

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"
# Short timers so a delay DSN arrives within seconds rather than hours.
DELAY_WARNING_SECONDS = 3


@dataclass(frozen=True)
class PostfixInstance:
    directory: Path
    smtp_port: int
    lmtp_port: int
    returns_domain: str
    local_domain: str = "example.test"
    slow_domain: str = "slow.example.test"

    @property
    def log(self) -> str:
        path = self.directory / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def maildir(self) -> Path:
        return self.directory / "vmail" / self.local_domain / "client"


def available() -> str:
    """Why a Postfix instance cannot be started here ("" when it can)."""
    if not Path(POSTFIX).exists():
        return "Postfix is not installed (scripts/install-system-deps.sh)"
    if os.geteuid() != 0:
        return "a separate Postfix instance needs root (its daemons change to the postfix user)"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "no postfix system user"
    return ""


def _main_cf(d: Path, *, lmtp_port: int, closed_port: int, returns_domain: str, local_domain: str) -> str:
    nobody = pwd.getpwnam("nobody")
    return f"""\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.facturier.test
mydomain = facturier.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = {d}
maillog_file = {d}/postfix.log
alias_maps =
alias_database =
biff = no
virtual_mailbox_domains = {local_domain}
virtual_mailbox_base = {d}/vmail
virtual_mailbox_maps = texthash:{d}/vmailbox
virtual_uid_maps = static:{nobody.pw_uid}
virtual_gid_maps = static:{nobody.pw_gid}
# Accept unknown users at RCPT, so that virtual(8) bounces them with a real DSN.
smtpd_reject_unlisted_recipient = no
transport_maps = texthash:{d}/transport
default_transport = error:5.7.1 the test instance sends nothing out
relay_transport = error:5.7.1 the test instance sends nothing out
local_transport = error:5.1.1 no local delivery
delay_warning_time = {DELAY_WARNING_SECONDS}s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connect_timeout = 5s
# The mail system's own "postmaster" copies and double bounces have nowhere to go: drop them.
notify_classes =
2bounce_notice_recipient = postmaster@{returns_domain}
"""


def _postconf(d: Path, *args: str) -> None:
    subprocess.run([POSTCONF, "-c", str(d), *args], check=True, capture_output=True)


@contextlib.contextmanager
def postfix_instance(*, lmtp_port: int, returns_domain: str = "returns.test") -> Iterator[PostfixInstance]:
    """Start a private Postfix; stop it and delete its folder afterwards, whatever happens."""
    reason = available()
    if reason:
        raise RuntimeError(reason)
    d = Path(tempfile.mkdtemp(prefix="facturier-postfix."))
    d.chmod(0o755)  # the postfix user must traverse it
    smtp_port, closed_port = free_port(), free_port()
    local = "example.test"
    try:
        (d / "main.cf").write_text(
            _main_cf(d, lmtp_port=lmtp_port, closed_port=closed_port, returns_domain=returns_domain, local_domain=local)
        )
        shutil.copy("/etc/postfix/master.cf", d / "master.cf")
        (d / "vmailbox").write_text(f"client@{local} {local}/client/\n")
        (d / "transport").write_text(
            f"{returns_domain} lmtp:inet:127.0.0.1:{lmtp_port}\nslow.{local} smtp:[127.0.0.1]:{closed_port}\n"
        )
        for sub in ("queue", "data", "vmail"):
            (d / sub).mkdir()
        shutil.chown(d / "data", "postfix")
        shutil.chown(d / "vmail", "nobody", "nogroup")
        _postconf(d, "-M#", "smtp/inet")  # no port 25
        _postconf(d, "-M", f"127.0.0.1:{smtp_port}/inet = 127.0.0.1:{smtp_port} inet n - n - - smtpd")
        # No chroot: Debian's chroot needs files copied in by its init script.
        _postconf(d, "-F", "*/*/chroot = n")
        subprocess.run([POSTFIX, "-c", str(d), "start"], check=True, capture_output=True, timeout=60)
        wait_for_port(smtp_port, banner=b"220", timeout=30)
        yield PostfixInstance(directory=d, smtp_port=smtp_port, lmtp_port=lmtp_port, returns_domain=returns_domain)
    finally:
        _stop(d)
        shutil.rmtree(d, ignore_errors=True)


def _stop(d: Path) -> None:
    pid_file = d / "queue" / "pid" / "master.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().strip())
    except ValueError:
        return
    subprocess.run([POSTFIX, "-c", str(d), "stop"], capture_output=True, timeout=60, check=False)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)  # our own instance's master, by its pid; never a broad kill
