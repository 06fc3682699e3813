"""Playwright setup shared with the web UI's tests (Debian's Chromium, French locale)."""

from __future__ import annotations

# Re-exported fixtures: pytest registers them for this folder too. Importing the module also sets
# DJANGO_ALLOW_ASYNC_UNSAFE, which Playwright's sync API needs next to the ORM.
from facturier.web.tests.conftest import browser_context_args, browser_type_launch_args

__all__ = ["browser_context_args", "browser_type_launch_args"]
