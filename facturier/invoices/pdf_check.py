"""Is this really a PDF a customer can open? Checked before anything is stored.

Policy for encrypted PDFs: a PDF that opens with an empty user password (an "owner password" that
only forbids editing or printing, common for ERP output) is accepted and flagged encrypted in the
timeline; one that needs a password to open is refused, since the customer could not read it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_PDF_BYTES = 20 * 1024 * 1024  # larger files are refused by most relays and mailboxes anyway

# pypdf logs every repaired cross-reference table; a bad upload is reported to the caller instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfInvalid(ValueError):
    pass


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool
    sha256: str
    size: int


def pdf_check(data: bytes) -> PdfInfo:
    """Describe the PDF, or raise PdfInvalid with a message a person understands."""
    if not data:
        raise PdfInvalid("is empty")
    if len(data) > MAX_PDF_BYTES:
        raise PdfInvalid(f"is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    if not data.startswith(b"%PDF-"):
        raise PdfInvalid("is not a PDF (it does not start with %PDF-)")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            raise PdfInvalid("is a PDF protected by a password: the customer could not open it")
        pages = len(reader.pages)
    except PdfInvalid:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        # pypdf raises a mix of its own and builtin errors on damaged files.
        raise PdfInvalid(f"is a damaged PDF that cannot be opened ({type(exc).__name__})") from None
    if pages == 0:
        raise PdfInvalid("is a PDF without pages")
    return PdfInfo(pages=pages, encrypted=encrypted, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
