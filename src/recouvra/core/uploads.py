"""Files people upload (import files, case attachments): one size limit and one validator.

The type of a file is read from its first bytes, never trusted from its name alone: an
attachment must be of a kind we accept, and its content must be of the kind its name says.
Validation reads only the head of the file; Django keeps an upload above
FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file and the storage copies it chunk by chunk,
so no upload is ever held whole in memory.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 8192  # what type sniffing looks at

# kind → the first bytes of a file of that kind ("text" is told by the absence of NULs)
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "zip": (b"PK\x03\x04",),  # XLSX, DOCX, ODT, ODS: ZIP containers
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # Outlook .msg, Word .doc, Excel .xls
}
# what may be attached to a case: letters and scans, photos, e-mails, office documents
ATTACHMENT_SUFFIXES = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".txt": "text",
    ".csv": "text",
    ".eml": "text",
    ".xlsx": "zip",
    ".docx": "zip",
    ".odt": "zip",
    ".ods": "zip",
    ".msg": "ole",
    ".doc": "ole",
    ".xls": "ole",
}


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def validate_upload_size(upload: Any) -> None:
    """The one size limit of every upload (settings.UPLOAD_MAX_BYTES)."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("Fichier trop volumineux : %(size)s Mo, maximum %(max)s Mo.")
            % {"size": upload.size // (1024 * 1024), "max": limit // (1024 * 1024)},
            code="file_too_big",
        )


def sniff_kind(head: bytes) -> str:
    """ "pdf", "png", "jpeg", "zip", "ole", "text" or "" (unknown) from a file's first bytes."""
    for kind, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return kind
    if head and b"\x00" not in head:
        return "text"
    return ""


def validate_attachment(upload: Any) -> None:
    """Size as any upload; type one of ATTACHMENT_SUFFIXES, and the content of that type."""
    validate_upload_size(upload)
    expected = ATTACHMENT_SUFFIXES.get(PurePath(upload.name or "").suffix.lower())
    if expected is None or _head_kind(upload) != expected:
        accepted = ", ".join(suffix.lstrip(".").upper() for suffix in ATTACHMENT_SUFFIXES)
        raise ValidationError(
            _("Type de fichier refusé : « %(name)s ». Types acceptés : %(types)s.")
            % {"name": PurePath(upload.name or "").name, "types": accepted},
            code="file_type",
        )


def _head_kind(upload: Any) -> str:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return sniff_kind(head)
