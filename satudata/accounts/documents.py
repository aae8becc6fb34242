"""Checks on the PDF files that come with an account request.

The content decides, not the file name or the browser's content type: a PDF starts with the
``%PDF-`` header (the PDF specification allows it within the first 1024 bytes) and ends with
an ``%%EOF`` marker near the end of the file.
"""

from typing import IO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError

HEADER_WINDOW = 1024
# Writers may append line ends or padding after the last %%EOF; 2 KiB covers those seen in practice.
TRAILER_WINDOW = 2048


class DocumentRejected(DomainError):
    code = "account_request.document"


def check_pdf(handle: IO[bytes], *, field: str, label: str) -> None:
    """Raise ``DocumentRejected`` unless the upload is a PDF within the size limit."""
    limit = settings.SATUDATA_MAX_PDF_BYTES
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    if size == 0:
        raise DocumentRejected(_("{label}: the file is empty."), field=field, label=label)
    if size > limit:
        raise DocumentRejected(
            _("{label}: the file has {size} MB; the limit is {limit} MB. Scan it at a lower resolution."),
            field=field,
            label=label,
            size=round(size / 2**20, 1),
            limit=round(limit / 2**20, 1),
        )
    head = handle.read(HEADER_WINDOW)
    handle.seek(max(size - TRAILER_WINDOW, 0))
    tail = handle.read()
    handle.seek(0)
    if b"%PDF-" not in head or b"%%EOF" not in tail:
        raise DocumentRejected(
            _("{label}: the file is not a PDF document. Save or scan it as PDF and upload it again."),
            field=field,
            label=label,
        )
