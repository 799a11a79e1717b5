"""Factur-X / ZUGFeRD / XRechnung PDF invoices: the CII XML embedded in a PDF/A-3.

``parse_facturx(data, filename=...)`` → ``Ledger`` (format ``"facturx"``): finds the embedded
invoice XML (``factur-x.xml``, ``ZUGFeRD-invoice.xml`` / ``zugferd-invoice.xml``,
``xrechnung.xml``; names compared case-insensitively, in that order of preference) and reads
it with ``parse_cii``. Pure Python, no Django.

The attachment is taken with pypdf (``PdfReader.attachment_list``), exactly as the factur-x
library's ``get_xml_from_pdf`` does, but without calling that function: it parses the
attachment with lxml's default parser (internal entities expanded) before we could check it,
drops files whose flavour it cannot detect, and pulls in ``requests``. Here the raw bytes go
straight to the hardened ``parse_xml``; no XSD check is made (files that fail the official
XSD, such as some MINIMUM credit notes, still carry readable totals).
"""

from __future__ import annotations

import io
import logging

from recouvra.imports.parsers.cii import read_cii_tree
from recouvra.imports.parsers.xmlsafe import parse_xml
from recouvra.imports.records import Ledger, ParseError, gettext_noop

# Names of the embedded invoice, by preference (compared lower-cased).
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
DEFAULT_MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_XML_BYTES = 20 * 1024 * 1024
NO_EMBEDDED_XML = gettext_noop("aucune facture XML Factur-X/ZUGFeRD dans ce PDF")


def parse_facturx(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_PDF_BYTES
) -> Ledger:
    """Read the invoice embedded in a Factur-X / ZUGFeRD PDF."""
    name, xml = extract_invoice_xml(data, filename=filename, max_bytes=max_bytes)
    where = f"{filename} [{name}]" if filename else name
    root = parse_xml(xml, filename=where, max_bytes=MAX_XML_BYTES)
    ledger = read_cii_tree(root, filename=where, format="facturx")
    return ledger


def extract_invoice_xml(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_PDF_BYTES
) -> tuple[str, bytes]:
    """(attachment name, XML bytes) of the embedded invoice; ParseError when there is none."""
    data = bytes(data)
    if len(data) > max_bytes:
        raise ParseError(
            gettext_noop(
                "fichier trop volumineux (%(size)s octets ; la limite est %(limit)s octets)"
            ),
            file=filename,
            params={"size": len(data), "limit": max_bytes},
        )
    if b"%PDF-" not in data[:1024]:
        raise ParseError(
            gettext_noop("ce n'est pas un PDF (pas d'en-tête « PDF- » au début)"), file=filename
        )

    # Imported here: pypdf is only needed for PDFs, and it is slow to import.
    from pypdf import PdfReader

    found: dict[str, tuple[str, bytes]] = {}
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)  # broken producers make pypdf chatty
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        for attachment in reader.attachment_list:
            key = (attachment.name or "").strip().lower()
            if key in EMBEDDED_NAMES and key not in found:
                content = attachment.content
                if content:
                    found[key] = (attachment.name, content)
    except ParseError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise ParseError(
            gettext_noop("PDF illisible : %(detail)s"), file=filename, params={"detail": str(exc)}
        ) from None
    finally:
        pypdf_logger.setLevel(level)

    for key in EMBEDDED_NAMES:
        if key in found:
            return found[key]
    raise ParseError(NO_EMBEDDED_XML, file=filename)
