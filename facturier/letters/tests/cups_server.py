"""A throwaway CUPS server on 127.0.0.1 with a cups-pdf queue, for the print test.

cupsd runs in the foreground (-f) with its own cupsd.conf and cups-files.conf in a temporary
folder (spool, cache, state, logs there too), listening on a free loopback port only. The queue
uses the cups-pdf backend with the device URI cups-pdf:/QUEUE: cups-pdf then reads
/etc/cups/cups-pdf-QUEUE.conf (its configuration folder is compiled in; there is no option to move
it), so the fixture writes that one file, pointing the output, spool and log at the temporary
folder, and deletes it afterwards. The system's own cupsd and cups-pdf.conf are not touched.

Needs root: cupsd as a non-root user cannot run the cups-pdf backend (it is installed 0700 root
precisely so that cupsd runs it as root), and /etc/cups is root's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from facturier.testing.ports import free_port, wait_for_port

CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")


@dataclass(frozen=True)
class CupsServer:
    server: str  # host:port, for lp -h or CUPS_SERVER
    queue: str
    out: Path  # where cups-pdf writes the printed PDFs


def cups_unavailable() -> str:
    """Why a test CUPS server cannot run here, or "" if it can."""
    for tool in ("cupsd", "lp", "lpadmin", "lpstat"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (apt-get install cups cups-client)"
    if not CUPS_PDF_BACKEND.exists() or not CUPS_PDF_PPD.exists():
        return "the cups-pdf backend is not installed (apt-get install printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "needs root: cupsd runs the cups-pdf backend (mode 0700) only as root, and its config is in /etc/cups"
    return ""


@contextmanager
def cups_server() -> Iterator[CupsServer]:
    root = Path(tempfile.mkdtemp(prefix="facturier-cups."))
    root.chmod(0o755)  # cupsd's filters run as the lp user and must reach the spool
    port = free_port()
    queue = f"facturier-test-{os.getpid()}"
    out = root / "out"
    for sub in ("spool", "cache", "state", "log", "tmp", "out", "pdf-spool"):
        (root / sub).mkdir()
    (root / "tmp").chmod(0o1777)
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nLogLevel warn\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
        "<Location />\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\nStateDir {root}/state\n"
        f"TempDir {root}/tmp\nErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\nSystemGroup root\n"
    )
    pdf_conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    pdf_conf.write_text(f"Out {out}\nAnonDirName {out}\nSpool {root}/pdf-spool\nLog {root}/log\nUserUMask 0022\n")
    daemon = subprocess.Popen(
        ["/usr/sbin/cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=20)
        server = f"127.0.0.1:{port}"
        subprocess.run(
            ["lpadmin", "-h", server, "-p", queue, "-v", f"cups-pdf:/{queue}", "-E", "-P", str(CUPS_PDF_PPD)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield CupsServer(server=server, queue=queue, out=out)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
