"""Letters as PDF, typeset by typst (typst/letter.typ) from plain data.

One compiler is kept for the process: it loads the fonts and the layout once, and typst
reuses what did not change from one letter to the next (a few milliseconds a letter).
A batch is one document: a cover list, then every letter, each starting on a new page.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import typst

LAYOUT = Path(__file__).parent / "typst" / "letter.typ"
_compiler: typst.Compiler | None = None
_lock = threading.Lock()  # one compilation at a time per compiler


class LetterError(RuntimeError):
    """typst refused the letter (a bug in the layout or in the data given to it)."""


def letter_pdf(letter: dict[str, Any]) -> bytes:
    """One letter (the dict letters.content.letter_data builds) as a PDF."""
    return _compile({"letters": [letter], "title": letter.get("subject", "Courrier")})


def batch_pdf(letters: list[dict[str, Any]], cover: dict[str, str]) -> bytes:
    """Several letters in one PDF, in the order given, after a cover list."""
    return _compile({"letters": letters, "cover": cover, "title": cover["title"]})


def _compile(data: dict[str, Any]) -> bytes:
    global _compiler
    source = LAYOUT.read_bytes()
    inputs = {"data": json.dumps(data, ensure_ascii=False)}
    with _lock:
        if _compiler is None:
            _compiler = typst.Compiler(root=str(LAYOUT.parent))
        try:
            return _compiler.compile(input=source, sys_inputs=inputs)
        except typst.TypstError as exc:
            raise LetterError(f"Le courrier n'a pas pu être mis en page : {exc}") from None
