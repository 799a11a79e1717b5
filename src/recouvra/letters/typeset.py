"""Letters as PDF, typeset by typst (typst/letter.typ) from plain data.

One compiler is kept for each process, with its own folder: the layout, the data of the
letter being typeset (data.json) and the logos. The data goes as a file rather than as
sys.inputs, since typst rebuilds its standard library (and lays everything out anew) when
sys.inputs change, while a changed file only invalidates what reads it: typst reuses the
layout of what did not change from one letter to the next (a few milliseconds a letter).

A batch is one document: a cover list, then every letter, each starting on a new page.
Many letters as separate PDFs: letters_pdf, or Typesetters for a caller that goes on
with its work meanwhile, over a pool of processes.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import typst

LAYOUT = Path(__file__).parent / "typst" / "letter.typ"
# A tagged PDF (its structure for screen readers) is twice the size and a tenth slower to
# write; a letter is printed or read as a page.
TAGGED = False
COVER_LINES = 60  # recipients on a page of the cover list
MIN_POOLED = 8  # fewer letters are typeset faster here than by starting processes
STATEMENT = ("reference", "issue_date", "due_date", "principal", "interest", "fees", "total")
SCHEDULE = ("number", "due_date", "amount")
_PAGES = re.compile(rb"<</Type/Pages/Count (\d+)")  # the page tree typst writes first


class LetterError(RuntimeError):
    """typst refused the letter (a bug in the layout or in the data given to it)."""


def letter_pdf(letter: dict[str, Any]) -> bytes:
    """One letter (the dict letters.content.letter_data builds) as a PDF.

    A letter that runs over one page is typeset again with its pages numbered, and noted
    so (letter["numbered"]) for a batch made of the same letters afterwards."""
    pdf = _compile({"letters": [letter], "title": letter.get("subject") or "Courrier"})
    if not letter.get("numbered") and page_count(pdf) > 1:
        letter["numbered"] = True
        pdf = _compile({"letters": [letter], "title": letter.get("subject") or "Courrier"})
    return pdf


def batch_pdf(letters: list[dict[str, Any]], cover: dict[str, str]) -> bytes:
    """Several letters in one PDF, in the order given, after a cover list.

    Pages are numbered on the letters typeset alone before (letter_pdf) that needed it."""
    pages = [
        [
            "\n".join(str(n) for n in range(start + 1, start + len(part) + 1)),
            "\n".join(_shortened(letter["recipient"]["name"], 45) for letter in part),
            "\n".join(letter.get("postal_code", "") for letter in part),
            "\n".join(letter["mode"] for letter in part),
        ]
        for start in range(0, len(letters), COVER_LINES)
        for part in [letters[start : start + COVER_LINES]]
    ]
    return _compile(
        {"letters": letters, "cover": {**cover, "pages": pages}, "title": cover["title"]}
    )


def letters_pdf(letters: list[dict[str, Any]], processes: int | None = None) -> list[bytes]:
    """Each letter as its own PDF, in the order given, typeset by a pool of processes (one
    a CPU) when there are enough of them to be worth it."""
    with Typesetters(processes) as typesetters:
        pdfs = typesetters.typeset(letters).result()
    refused = next((pdf for pdf in pdfs if isinstance(pdf, LetterError)), None)
    if refused is not None:
        raise refused
    return [pdf for pdf in pdfs if isinstance(pdf, bytes)]


class Typesetters:
    """Processes typesetting letters (one a CPU), for a caller that makes many: it hands
    them over a group at a time (typeset) and goes on with its own work, then collects
    each group's PDFs (Typesetting.result). Started at the first group big enough to be
    worth a process; until then, and with one CPU, letters are typeset here, in order,
    when their result is asked.

    The children read nothing of Django: the logos go to them with the letters (a child
    would not see the settings of its parent, its storage included)."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Typesetters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def typeset(self, letters: list[dict[str, Any]]) -> Typesetting:
        """Start typesetting `letters`, each to its own PDF."""
        few = self._pool is None and len(letters) < MIN_POOLED
        if not letters or self.processes < 2 or few:
            return Typesetting(letters, [])
        if self._pool is None:
            # not forked from this process: typst's threads (rayon) do not survive a fork,
            # and a forked child waiting for them would hang
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
        logos = _logos(letters)
        chunk = -(-len(letters) // self.processes)
        parts = [letters[i : i + chunk] for i in range(0, len(letters), chunk)]
        try:
            return Typesetting(letters, [self._pool.submit(_each_pdf, p, logos) for p in parts])
        except BrokenExecutor:  # a child died earlier: the rest is typeset here
            self.close()
            self.processes = 1
            return Typesetting(letters, [])


class Typesetting:
    """The PDFs of a group of letters, being typeset (or typeset here when asked)."""

    def __init__(self, letters: list[dict[str, Any]], parts: list[Future]) -> None:
        self.letters, self._parts = letters, parts

    def result(self) -> list[bytes | LetterError]:
        """Each letter's PDF, in order, or the LetterError that refused it; the letters
        that needed numbered pages are noted so (letter["numbered"]), as by letter_pdf."""
        if not self._parts:
            return [_pdf_or_error(letter) for letter in self.letters]
        try:
            done = [each for part in self._parts for each in part.result()]
        except BrokenExecutor:  # a child died (killed, out of memory): here, then
            return [_pdf_or_error(letter) for letter in self.letters]
        for letter, (_, numbered) in zip(self.letters, done, strict=True):
            if numbered:
                letter["numbered"] = True
        return [pdf for pdf, _ in done]


def page_count(pdf: bytes) -> int:
    """How many pages a PDF made by typst has (read from its page tree, not parsed)."""
    found = _PAGES.search(pdf)
    return int(found.group(1)) if found else 0


def _each_pdf(
    letters: list[dict[str, Any]], logos: dict[str, bytes]
) -> list[tuple[bytes | LetterError, bool]]:
    """In a child: each letter's PDF (or why typst refused it) and whether its pages are
    numbered."""
    typesetter = _this_typesetter()
    for stored, image in logos.items():
        typesetter.add_logo(stored, image)
    return [(_pdf_or_error(letter), bool(letter.get("numbered"))) for letter in letters]


def _pdf_or_error(letter: dict[str, Any]) -> bytes | LetterError:
    try:
        return letter_pdf(letter)
    except LetterError as exc:
        return exc


def _logos(letters: list[dict[str, Any]]) -> dict[str, bytes]:
    """The logos of these letters (a name in the default storage → the image)."""
    from django.core.files.storage import default_storage

    logos = {}
    for stored in {letter["logo"] for letter in letters if letter.get("logo")}:
        with default_storage.open(stored, "rb") as image:
            logos[stored] = image.read()
    return logos


class _Typesetter:
    """The compiler of this process and its folder."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.folder = Path(tempfile.mkdtemp(prefix="recouvra-letters-"))
        atexit.register(shutil.rmtree, self.folder, True)
        shutil.copyfile(LAYOUT, self.folder / "main.typ")
        self.data = self.folder / "data.json"
        self.logos: dict[str, str] = {}  # stored name → file name in the folder
        self.compiler = typst.Compiler(
            input=str(self.folder / "main.typ"), root=str(self.folder), ignore_system_fonts=True
        )

    def compile(self, data: dict[str, Any]) -> bytes:
        self.data.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return self.compiler.compile(pdf_tags=TAGGED)

    def logo(self, stored: str) -> str:
        """The file name, in the folder, of the logo stored as `stored` (copied once: an
        upload is stored under a new name, see core.models.logo_path)."""
        if stored not in self.logos:
            from django.core.files.storage import default_storage

            with default_storage.open(stored, "rb") as image:
                self.add_logo(stored, image.read())
        return self.logos[stored]

    def add_logo(self, stored: str, image: bytes) -> None:
        if stored not in self.logos:
            name = f"logo-{hashlib.sha256(stored.encode()).hexdigest()[:16]}{Path(stored).suffix}"
            (self.folder / name).write_bytes(image)
            self.logos[stored] = name


_typesetter: _Typesetter | None = None
_lock = threading.Lock()  # one compilation at a time: one compiler, one data.json


def _compile(data: dict[str, Any]) -> bytes:
    with _lock:
        typesetter = _this_typesetter()
        data["letters"] = [_for_layout(typesetter, letter) for letter in data["letters"]]
        try:
            return typesetter.compile(data)
        except typst.TypstError as exc:
            raise LetterError(f"Le courrier n'a pas pu être mis en page : {exc}") from None


def _this_typesetter() -> _Typesetter:
    global _typesetter
    if _typesetter is None or _typesetter.pid != os.getpid():  # a child: its own
        _typesetter = _Typesetter()
    return _typesetter


def _for_layout(typesetter: _Typesetter, letter: dict[str, Any]) -> dict[str, Any]:
    """What letter.typ reads: lines joined (one paragraph a column of the statement, one an
    address), the logo (a name in the default storage) as a file of the folder. typst reads
    fewer values and lays out fewer paragraphs."""
    rows = letter.get("rows") or []
    data = {
        **letter,
        "sender": _joined(letter["sender"]),
        "recipient": _joined(letter["recipient"]),
        "rows": None,
        "columns": ["\n".join(row[key] for row in rows) for key in STATEMENT] if rows else None,
        "logo": typesetter.logo(letter["logo"]) if letter.get("logo") else None,
    }
    plan = letter.get("schedule")
    if plan:
        items = plan["items"]
        data["schedule"] = {
            **plan,
            "items": ["\n".join(item[key] for item in items) for key in SCHEDULE],
        }
    return data


def _joined(party: dict[str, Any]) -> dict[str, Any]:
    return {**party, "address": "\n".join(party.get("address") or ())}


def _shortened(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
