"""Run a command against a throwaway PostgreSQL cluster on a free loopback port.

    python -m facturier.testing.pgserver -- pytest ...

initdb into a temporary folder, start the server on 127.0.0.1 only, create a role and database,
export DATABASE_URL for the command, then stop the server and delete the folder, whatever the
command's outcome. Uses Debian's postgresql-15 (installed by scripts/install-system-deps.sh).
As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from facturier.testing.ports import free_port, wait_for_port

PASSWORD = "facturier-test"  # throwaway cluster on loopback, deleted after the run


def pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise SystemExit("PostgreSQL server not found (run scripts/install-system-deps.sh as root)")
    return Path(candidates[0]).parent


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Yield a DATABASE_URL for a fresh cluster; stop and remove it afterwards."""
    bindir = pg_bindir()
    tmp = Path(tempfile.mkdtemp(prefix="facturier-pg."))
    tmp.chmod(0o755)  # the postgres user must traverse it
    data = tmp / "data"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = free_port()
    pwfile = tmp / "pw"
    pwfile.write_text(PASSWORD)
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    try:
        subprocess.run(
            _as_pg(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "facturier",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-N",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_pg(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(tmp / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    opts,
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port)
        # initdb creates only `postgres` and the templates: create the database the URL names, so
        # a bench or a command can use it directly (Django's test runner derives test_facturier).
        import psycopg

        with psycopg.connect(
            f"postgres://facturier:{PASSWORD}@127.0.0.1:{port}/postgres", autocommit=True, connect_timeout=30
        ) as conn:
            conn.execute("CREATE DATABASE facturier")
        yield f"postgres://facturier:{PASSWORD}@127.0.0.1:{port}/facturier"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                stdout=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("usage: python -m facturier.testing.pgserver -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1 :]
    with throwaway_cluster() as url:
        # Django's test runner creates test_facturier; the owner needs no extra rights (superuser).
        env = {**os.environ, "DATABASE_URL": url}
        print(f"PostgreSQL test cluster at {url.rsplit('@', 1)[1]}", flush=True)
        return subprocess.run(cmd, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
