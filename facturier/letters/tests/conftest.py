from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from facturier.testing.factories import make_customer


@pytest.fixture(autouse=True)
def _letters_settings(settings: Any, tmp_path: Path) -> None:
    """Company policy for these tests: print at the cut-off, hot folder under the test's tmp dir."""
    settings.FACTURIER_ON_INVALID_ADDRESS = "print"
    settings.FACTURIER_POST_TIMING = "cutoff"
    settings.FACTURIER_RESEND_ON_CORRECTION = True
    settings.FACTURIER_LETTER_WINDOW = "right"
    settings.FACTURIER_PRINT_DUPLEX = False
    settings.FACTURIER_PRINT_QUEUE = ""
    settings.FACTURIER_PRINT_HOT_FOLDER = str(tmp_path / "hot")
    settings.FACTURIER_PORTAL_URL = "https://portal.example.com"
    settings.FACTURIER_HOLIDAYS_COUNTRY = "FR"
    settings.FACTURIER_PRINT_CUTOFF = "16:00"


@pytest.fixture
def dupont() -> Any:
    """A customer with a postal address in Lyon and one e-mail address, compta@dupont.example."""
    return make_customer(
        name="Dupont SARL",
        postal_name="Dupont SARL",
        postal_line1="12 rue des Lilas",
        postal_code="69003",
        postal_city="Lyon",
        postal_country="FR",
        language="fr",
        emails=["compta@dupont.example"],
    )
