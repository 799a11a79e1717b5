"""Amounts in French words, as a receipt states them beside the figures
("mille deux cent trente-quatre euros et cinquante centimes"). Traditional spelling:
"vingt et un", "quatre-vingts", "deux cents", "mille" invariable."""

from __future__ import annotations

UNITS = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
)
TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
SCALES = ((10**9, "milliard"), (10**6, "million"), (1000, "mille"))


def _below_100(n: int, last: bool) -> str:
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…: the teens after 60 or 80
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = 10 + unit
        joiner = " et " if tens == 7 and unit == 1 else "-"
        return f"{base}{joiner}{UNITS[rest]}"
    if tens == 8:
        return "quatre-vingt" + (f"-{UNITS[unit]}" if unit else ("s" if last else ""))
    if unit == 0:
        return TENS[tens]
    joiner = " et " if unit == 1 else "-"
    return f"{TENS[tens]}{joiner}{UNITS[unit]}"


def _below_1000(n: int, last: bool) -> str:
    """`last`: nothing follows but a noun or the end ("quatre-vingts", "deux cents")."""
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        head = "cent" if hundreds == 1 else f"{UNITS[hundreds]} cent"
        if hundreds > 1 and rest == 0 and last:
            head += "s"
        parts.append(head)
    if rest or not hundreds:
        parts.append(_below_100(rest, last))
    return " ".join(parts)


def number_words(n: int) -> str:
    """A whole number from 0 up, in French words."""
    if n < 0:
        raise ValueError("a negative amount has no receipt")
    if n == 0:
        return UNITS[0]
    parts = []
    for size, name in SCALES:
        count, n = divmod(n, size)
        if not count:
            continue
        if name == "mille":  # "mille", "deux mille", "deux cent mille": invariable
            parts.append(name if count == 1 else f"{_below_1000(count, False)} {name}")
        else:  # million, milliard are nouns: "un million", "deux millions"
            many = "s" if count > 1 else ""
            parts.append(f"{number_words(count) if count >= 1000 else _below_1000(count, True)}"
                         f" {name}{many}")  # fmt: skip
    if n:
        parts.append(_below_1000(n, True))
    return " ".join(parts)


def euros_in_words(cents: int) -> str:
    """123456 → "mille deux cent trente-quatre euros et cinquante-six centimes"."""
    euros, rest = divmod(cents, 100)
    words = []
    if euros or not rest:
        unit = "euro" if euros <= 1 else "euros"
        if euros >= 10**6 and euros % 10**6 == 0:
            unit = "d'euros"  # "un million d'euros"
        words.append(f"{number_words(euros)} {unit}")
    if rest:
        words.append(f"{number_words(rest)} centime{'s' if rest > 1 else ''}")
    return " et ".join(words)
