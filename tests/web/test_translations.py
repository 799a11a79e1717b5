"""The English catalogue: every French source string is translated, and the committed
django.mo matches the django.po (refresh both with scripts/update-translations)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase
from django.utils import translation

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
FIX = "translate it in the .po, then run scripts/update-translations"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d+)\])\s+(".*")$')
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\{\s*\w+\s*\}\}")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]
        return [self.msgstr]


def _unquote(quoted: str) -> str:
    body = quoted.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (header included, obsolete "#~" entries left out)."""
    entries: list[Entry] = []
    current = Entry(line=1)
    last: tuple[str, int | None] | None = None

    def flush(next_line: int) -> None:
        nonlocal current, last
        if current.msgid is not None:
            entries.append(current)
        current, last = Entry(line=next_line), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush(number + 1)
        elif line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue  # comments, references, obsolete entries
        elif line.startswith('"'):
            if last is None:
                raise ValueError(f"line {number}: string continuation without a keyword")
            keyword, index = last
            if keyword == "msgstr_plural":
                current.msgstr_plural[index] += _unquote(line)
            else:
                setattr(current, keyword, getattr(current, keyword) + _unquote(line))
        else:
            match = _KEYWORD.match(line)
            if not match:
                raise ValueError(f"line {number}: cannot parse {line!r}")
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword in ("msgctxt", "msgid") and (current.msgstr or current.msgstr_plural):
                flush(number)  # a new entry without a blank line in between
            if index is not None:
                current.msgstr_plural[int(index)] = value
                last = ("msgstr_plural", int(index))
            else:
                setattr(current, keyword, value)
                last = (keyword, None)
            if keyword == "msgid":
                current.line = number
    flush(0)
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


class PoParserTestCase(SimpleTestCase):
    def test_it_reads_multiline_plural_fuzzy_and_obsolete_entries(self) -> None:
        text = "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: en\\n"',
                "",
                "#: a.py:1",
                "#, fuzzy, python-format",
                'msgid ""',
                '"Bonjour "',
                '"« %(nom)s »"',
                'msgstr "Hello \\"%(nom)s\\""',
                "",
                'msgid "%(n)s jour"',
                'msgid_plural "%(n)s jours"',
                'msgstr[0] "%(n)s day"',
                'msgstr[1] ""',
                '"%(n)s days"',
                "",
                '#~ msgid "Ancien"',
                '#~ msgstr "Old"',
            ]
        )
        header, greeting, days = parse_po(text)
        self.assertEqual(header.msgid, "")
        self.assertEqual(header.msgstr, "Language: en\n")
        self.assertEqual(greeting.msgid, "Bonjour « %(nom)s »")
        self.assertEqual(greeting.msgstr, 'Hello "%(nom)s"')
        self.assertEqual(greeting.flags, {"fuzzy", "python-format"})
        self.assertEqual(days.msgid_plural, "%(n)s jours")
        self.assertEqual(days.translations, ["%(n)s day", "%(n)s days"])


class EnglishCatalogueTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
        cls.header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
        cls.entries = [e for e in entries if e is not cls.header]

    def describe(self, entry: Entry) -> str:
        return f"{PO_PATH.name}:{entry.line} {entry.msgid!r}"

    def test_the_catalogue_is_english_with_two_plural_forms(self) -> None:
        self.assertIn("Language: en\n", self.header.msgstr)
        self.assertIn("Plural-Forms: nplurals=2; plural=(n != 1);", self.header.msgstr)
        self.assertNotIn("fuzzy", self.header.flags)
        self.assertGreater(len(self.entries), 100)

    def test_every_entry_is_translated(self) -> None:
        untranslated = [
            self.describe(e)
            for e in self.entries
            if not all(t.strip() for t in e.translations)
            or (e.msgid_plural is not None and sorted(e.msgstr_plural) != [0, 1])
        ]
        self.assertEqual(untranslated, [], f"untranslated entries: {FIX}")

    def test_no_entry_is_fuzzy(self) -> None:
        # gettext ignores fuzzy entries: the French text would show through.
        fuzzy = [self.describe(e) for e in self.entries if "fuzzy" in e.flags]
        self.assertEqual(fuzzy, [], f'fuzzy entries: check them, drop "#, fuzzy", {FIX}')

    def test_translations_keep_the_placeholders(self) -> None:
        broken = []
        for e in self.entries:
            for n, text in enumerate(e.translations):
                source = e.msgid_plural if e.msgid_plural is not None and n else e.msgid
                expected = placeholders(source)
                if placeholders(text) != expected:
                    broken.append(f"{self.describe(e)} → {text!r} (needs {expected})")
        self.assertEqual(broken, [], "translations must keep every %(name)s placeholder")

    def test_the_compiled_catalogue_matches_the_po_file(self) -> None:
        # gettext reads django.mo: if it answers every .po translation, the .mo is
        # compiled, found through LOCALE_PATHS, and not older than the .po.
        stale = []
        with translation.override("en"):
            for e in self.entries:
                if e.msgid_plural is not None:
                    got = [
                        translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                        if e.msgctxt is not None
                        else translation.ngettext(e.msgid, e.msgid_plural, n)
                        for n in (1, 2)
                    ]
                else:
                    got = [
                        translation.pgettext(e.msgctxt, e.msgid)
                        if e.msgctxt is not None
                        else translation.gettext(e.msgid)
                    ]
                if got != e.translations:
                    stale.append(f"{self.describe(e)}: gettext gives {got!r}")
        self.assertEqual(stale, [], "django.mo is stale: run scripts/update-translations")

    def test_a_few_known_strings(self) -> None:
        with translation.override("en"):
            self.assertEqual(translation.gettext("Tableau de bord"), "Dashboard")
            self.assertEqual(translation.gettext("Créances"), "Claims")
            self.assertEqual(translation.gettext("Mise en demeure"), "Formal notice")
            self.assertEqual(
                translation.ngettext("%(days)s jour", "%(days)s jours", 3) % {"days": 3},
                "3 days",
            )
        with translation.override("fr"):
            self.assertEqual(translation.gettext("Tableau de bord"), "Tableau de bord")
