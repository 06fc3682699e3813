"""The `facturier` console script: any management command (facturier migrate, facturier worker, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "facturier"
    execute_from_command_line(argv)
    return 0
