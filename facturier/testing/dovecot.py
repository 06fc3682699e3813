"""A throwaway Dovecot IMAP server for tests: its own config (`dovecot -c`) in a temporary folder,
plaintext IMAP on a free loopback port, one passwd-file user whose Maildir is in that folder.
Debian's /etc/dovecot is never read (it listens on every interface with SSL on).

The mailbox belongs to `nobody` (Dovecot refuses to run a mail session as root); `deliver()` drops a
message into it the way an MTA would (tmp/ then rename into new/).
"""

from __future__ import annotations

import contextlib
import itertools
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

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
USER, PASSWORD = "bounces", "bounces-secret"
_seq = itertools.count(1)


@dataclass(frozen=True)
class DovecotInstance:
    directory: Path
    port: int
    user: str = USER
    password: str = PASSWORD
    processed_folder: str = "Processed"

    @property
    def maildir(self) -> Path:
        return self.directory / "home" / self.user / "Maildir"

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> Path:
        """Put one message in INBOX, as the mailbox owner."""
        nobody = pwd.getpwnam("nobody")
        name = f"{time.time_ns()}.{next(_seq)}.facturier-test"
        tmp, new = self.maildir / "tmp" / name, self.maildir / "new" / name
        tmp.write_bytes(raw)
        os.chown(tmp, nobody.pw_uid, nobody.pw_gid)
        tmp.rename(new)
        return new

    @property
    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def available() -> str:
    """Why a Dovecot instance cannot be started here ("" when it can)."""
    if not Path(DOVECOT).exists():
        return "Dovecot is not installed (scripts/install-system-deps.sh)"
    if os.geteuid() != 0:
        return "a separate Dovecot instance needs root here (mail sessions run as the mailbox owner)"
    try:
        pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        return "no dovecot/dovenull system users"
    return ""


def _config(d: Path, port: int) -> str:
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@contextlib.contextmanager
def dovecot_instance() -> Iterator[DovecotInstance]:
    """Start a private Dovecot; stop it and delete its folder afterwards, whatever happens."""
    reason = available()
    if reason:
        raise RuntimeError(reason)
    d = Path(tempfile.mkdtemp(prefix="facturier-dovecot."))
    d.chmod(0o755)  # the auth process runs as `dovecot` and must reach the passwd-file
    port = free_port()
    nobody = pwd.getpwnam("nobody")
    conf = d / "dovecot.conf"
    try:
        conf.write_text(_config(d, port))
        home = d / "home" / USER
        for sub in ("cur", "new", "tmp"):
            (home / "Maildir" / sub).mkdir(parents=True)
        for path in [home, *home.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        users = d / "users"
        users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{nobody.pw_uid}:{nobody.pw_gid}::{home}::\n")
        shutil.chown(users, group="dovecot")
        users.chmod(0o640)
        # The daemon keeps inherited pipes open: send its output to a file, not to a pipe we wait on.
        with open(d / "start.log", "wb") as out:
            subprocess.run([DOVECOT, "-c", str(conf)], check=True, stdout=out, stderr=out, timeout=30)
        wait_for_port(port, banner=b"* OK", timeout=30)
        yield DovecotInstance(directory=d, port=port)
    finally:
        _stop(d, conf)
        shutil.rmtree(d, ignore_errors=True)


def _stop(d: Path, conf: Path) -> None:
    pid_file = d / "run" / "master.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip() or 0)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([DOVEADM, "-c", str(conf), "stop"], timeout=30, check=False, **quiet)
    deadline = time.monotonic() + 15
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)  # our own instance's master, by its pid
