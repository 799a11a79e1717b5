"""Safe XML parsing for untrusted uploads, and small helpers shared by the XML parsers.

Every XML file recouvra reads comes from outside (bank statements, invoices), so:

* a document declaring a DOCTYPE or an ENTITY is refused before lxml sees it
  (billion laughs, external entities, DTD fetching): ISO 20022 and CII never need one;
* lxml then parses with ``resolve_entities=False, no_network=True, load_dtd=False,
  huge_tree=False`` (defence in depth: libxml2 keeps its depth and text-size limits);
* the size is capped (``max_bytes``), and only a short list of encodings is accepted,
  so that the DOCTYPE check cannot be dodged with UTF-7 or EBCDIC; UTF-16/32 documents
  are decoded by Python, checked, and handed to lxml as UTF-8;
* a UTF-8 byte-order mark is dropped; malformed XML raises ``ParseError`` with the file
  name and the line lxml reports.

``defusedxml`` is not used on the hot path: parsing a 100 MB statement twice would double
the cost, and refusing any DOCTYPE up front gives the same protection (defusedxml's
``forbid_dtd``).

No Django import here: parsers are pure Python.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from recouvra.imports.records import BadValue, ParseError, gettext_noop

# 256 MiB: a 200,000-entry camt.053 with remittance details is ~150 MB.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024

ENTITIES_NOT_ALLOWED = gettext_noop("les entités XML (DOCTYPE, ENTITY) ne sont pas acceptées")

# Encodings an 8-bit document may declare (UTF-16/32 documents are recognised by their
# first bytes, not by their declaration).
_ALLOWED_ENCODINGS = frozenset(
    {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "latin1",
        "latin-1",
        *(f"iso-8859-{n}" for n in range(1, 17)),
        *(f"iso8859-{n}" for n in range(1, 17)),
        *(f"windows-{n}" for n in range(1250, 1259)),
        *(f"cp{n}" for n in range(1250, 1259)),
    }
)

# (BOM, Python codec); UTF-32 before UTF-16: FF FE 00 00 starts with FF FE.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# No BOM: the first character "<" in a wide encoding.
_WIDE_SNIFF = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_UTF8_BOM = b"\xef\xbb\xbf"
_EBCDIC = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC
_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_DECL = re.compile(r"^(\s*)<\?xml[^>]*\?>")
_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY)")


def _parser_options() -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "attribute_defaults": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def prepare_xml_bytes(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Check the raw bytes (size, encoding, no DOCTYPE/ENTITY); return bytes for lxml."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("XML data must be bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ParseError(
            gettext_noop(
                "fichier trop volumineux (%(size)s octets ; la limite est %(limit)s octets)"
            ),
            file=filename,
            params={"size": len(data), "limit": max_bytes},
        )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if not data.strip():
        raise ParseError(gettext_noop("fichier vide"), file=filename)

    codec = next((c for bom, c in _WIDE_BOMS if data.startswith(bom)), None)
    if codec is not None:
        body = data[len(next(b for b, c in _WIDE_BOMS if c == codec)) :]
    else:
        codec = next((c for sniff, c in _WIDE_SNIFF if data.startswith(sniff)), None)
        body = data
    if codec is not None:
        # UTF-16/32: decode here, check the text, give lxml UTF-8 without the declaration
        # (which names the old encoding). Line numbers are kept: only the declaration goes.
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as exc:
            raise ParseError(
                gettext_noop("texte %(encoding)s invalide : %(detail)s"),
                file=filename,
                params={"encoding": codec.upper(), "detail": exc.reason},
            ) from None
        text = _DECL.sub(r"\1", text, count=1)
        data = text.encode("utf-8")
    else:
        if data.startswith(_EBCDIC):
            raise ParseError(
                gettext_noop("encodage XML non pris en charge (EBCDIC)"), file=filename, line=1
            )
        match = _DECL_ENCODING.match(data[:512])
        if match:
            declared = match.group(1).decode("ascii").lower().replace("_", "-")
            if declared not in _ALLOWED_ENCODINGS:
                raise ParseError(
                    gettext_noop("encodage XML non pris en charge : %(encoding)s"),
                    file=filename,
                    line=1,
                    params={"encoding": declared},
                )

    forbidden = _FORBIDDEN.search(data)
    if forbidden:
        line = data.count(b"\n", 0, forbidden.start()) + 1
        raise ParseError(ENTITIES_NOT_ALLOWED, file=filename, line=line)
    return data


def _syntax_error(exc: etree.XMLSyntaxError, filename: str) -> ParseError:
    line = exc.lineno if exc.lineno and exc.lineno > 0 else None
    message = (exc.msg or str(exc)).strip()
    last = exc.error_log.last_error if exc.error_log else None
    if line is None and last is not None and last.line > 0:
        # iterparse sometimes reports a generic "no element found" at line 0: the parser's
        # own log has the real error and its line.
        line, message = last.line, last.message.strip()
    # lxml appends ", line N, column M" to some messages: the line is carried separately.
    message = re.sub(r",\s*line \d+, column \d+$", "", message)
    return ParseError(
        gettext_noop("XML mal formé : %(detail)s"),
        file=filename,
        line=line,
        params={"detail": message},
    )


def parse_xml(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> etree._Element:
    """Parse untrusted XML into a tree (comments and processing instructions dropped)."""
    data = prepare_xml_bytes(data, filename=filename, max_bytes=max_bytes)
    parser = etree.XMLParser(**_parser_options())
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, filename) from None
    if root is None:
        raise ParseError(gettext_noop("aucun élément XML trouvé"), file=filename)
    # Defence in depth: the byte check above should have caught any DTD.
    if root.getroottree().docinfo.doctype:
        raise ParseError(ENTITIES_NOT_ALLOWED, file=filename)
    return root


class SafeIterparse:
    """Iterator of (event, element) pairs; ``root`` is the root element once iteration ends."""

    def __init__(self, context: Any, filename: str):
        self._context = context
        self._filename = filename

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        try:
            yield from self._context
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc, self._filename) from None
        root = self._context.root
        if root is not None and root.getroottree().docinfo.doctype:  # defence in depth
            raise ParseError(ENTITIES_NOT_ALLOWED, file=self._filename)

    @property
    def root(self) -> Any:
        return self._context.root


def iterparse_xml(
    data: bytes,
    *,
    filename: str = "",
    events: Iterable[str] = ("end",),
    tag: str | Iterable[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SafeIterparse:
    """Stream (event, element) pairs from untrusted XML, with the same protections.

    For large files (bank statements): the caller clears what it has read, so memory stays
    flat however many entries the file holds.
    """
    data = prepare_xml_bytes(data, filename=filename, max_bytes=max_bytes)
    context = etree.iterparse(
        io.BytesIO(data),
        events=tuple(events),
        tag=tag,
        remove_blank_text=True,  # indentation only: less for libxml2 to allocate
        **_parser_options(),
    )
    return SafeIterparse(context, filename)


# --- helpers shared by the XML parsers -------------------------------------------------

LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: Any) -> str:
    """'{urn:…}Ntry' → 'Ntry'; '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    name = LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(LOCAL_NAMES) < 4096:
            LOCAL_NAMES[tag] = name
    return name


def namespace_of(tag: Any) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1 : tag.index("}")]
    return ""


def index(element: Any) -> dict[str, Any]:
    """{local name: first child element with it}: one pass over the children, then dict
    look-ups (several times faster than scanning the children once per wanted name)."""
    found: dict[str, Any] = {}
    if element is None:
        return found
    names = LOCAL_NAMES
    for sub in element:
        tag = sub.tag
        if tag.__class__ is not str:
            continue
        name = names.get(tag) or local_name(tag)
        if name not in found:
            found[name] = sub
    return found


def child(element: Any, name: str) -> Any:
    """First child element with this local name, or None."""
    if element is None:
        return None
    for sub in element:
        if local_name(sub.tag) == name:
            return sub
    return None


def children(element: Any, name: str) -> list[Any]:
    if element is None:
        return []
    return [sub for sub in element if local_name(sub.tag) == name]


def path(element: Any, *names: str) -> Any:
    """Follow child local names: path(ntry, 'BookgDt', 'Dt')."""
    for name in names:
        element = child(element, name)
        if element is None:
            return None
    return element


def text(element: Any) -> str:
    """The element's own text, stripped ('' when absent)."""
    if element is None:
        return ""
    value = element.text
    return value.strip() if value else ""


def clean(value: str) -> str:
    """Collapse runs of whitespace (line breaks inside names and remittance texts)."""
    return " ".join(value.split())


_AMOUNT = re.compile(r"([+-]?)([0-9]{0,20})(?:\.([0-9]*))?")


def amount_to_cents(value: str) -> int:
    """Exact decimal text → integer hundredths, with no float and no rounding.

    '1000.01' → 100001, '105.750' → 10575, '01.00' → 100, '474.4' → 47440, '2700' → 270000.
    Raises ValueError for anything else, or for a non-zero third decimal ('1.005'): such an
    amount cannot be held in cents without rounding, and money is never rounded silently.
    """
    raw = value.strip()
    whole, dot, fraction = raw.partition(".")
    if raw.isascii() and whole.isdigit() and len(whole) <= 20 and len(fraction) <= 2:
        if not dot:
            return int(whole) * 100
        if fraction.isdigit():
            return int(whole) * 100 + int(fraction.ljust(2, "0"))
    match = _AMOUNT.fullmatch(raw)
    if not match or not (match.group(2) or match.group(3)):
        raise BadValue(gettext_noop("montant décimal illisible : « %(amount)s »"), amount=raw)
    sign, whole, fraction = match.group(1), match.group(2) or "0", (match.group(3) or "")
    fraction = fraction.rstrip("0")
    if len(fraction) > 2:
        raise BadValue(
            gettext_noop("montant à plus de 2 décimales : « %(amount)s » (pas d'arrondi)"),
            amount=raw,
        )
    cents = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -cents if sign == "-" else cents
