"""Run every benchmark module bench/bench_*.py (each has `main() -> None` and prints its figures).

Each module runs in its own Python process: a benchmark sets up Django with its own database
(DATABASE_URL before django.setup()), and Django can be set up only once per process.

    python -m bench                  # all of them
    python -m bench dispatch         # only bench_dispatch.py (names are matched as substrings)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(filters: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def main(argv: list[str]) -> int:
    failed = []
    for name in modules(argv):
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        code = subprocess.run(
            [sys.executable, "-c", f"import bench.{name} as m; m.main()"], cwd=HERE.parent, check=False
        ).returncode
        print(
            f"--- {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - started:.1f} s", flush=True
        )
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
