"""Reading remittance text: invoice references (with prefixes and typos) and payer names.

Two indexes built once per reconciliation run: ReferenceIndex finds open claims' references
in a bank line's free text, NameIndex finds the debtors a payer's name resembles. Pure
Python, no database; matching.py scores what they find.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import combinations
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from recouvra.core.search import normalize

NAME_THRESHOLD = 85  # rapidfuzz token_set_ratio on normalised names
TYPO_MIN_LENGTH = 6  # shorter references must be exact: "1234" vs "1235" is no typo
MAX_WINDOW_TOKENS = 4  # a reference written with spaces: "FA 2026 000123"
MAX_KEY_LENGTH = 40
MAX_WRITTEN_WORDS = 8  # a payer's words known as debtors' words, looked up (a long label)
MAX_KEY_WORDS = 4  # a debtor's rarest words that the payer must write
MAX_NAME_MATCHES = 5  # debtors a name may point to; more would only be noise
MAX_SHORTENED = 6  # short numbers read after a reference: "FA2026-08699/700/701"

_NOT_ALNUM = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()))
# "/" and "-" part words: windows join them again ("FA-2026-12"), and references joined
# by them ("FA2026-08699/08700") are read one by one
_NOT_ALNUM_NOR_SPACE = str.maketrans(
    "/-",
    "  ",
    "".join(
        chr(c) for c in range(128) if not (chr(c).isalnum() or chr(c).isspace() or chr(c) in "/-")
    ),
)
# invoice-number prefixes a payer may add or drop: "FACT. 2026-12", "N° FA2026-12"
_PREFIXES = r"(?:FACTURES?|FACT|FAC|FCT|FA|FT|F|INVOICE|INV|REF|NUMERO|NUM|NO|N)+(?=\d)"
_PREFIX = re.compile(_PREFIXES)
_PREFIX_OF_LINES = re.compile(f"(?m)^{_PREFIXES}")
_NOT_ALNUM_NOR_NEWLINE = {c: None for c in _NOT_ALNUM if c != ord("\n")}
# characters that end a reference: "1 234,56" is an amount, not the reference "123456"
_HARD_STOP = re.compile(r"[,;:()\[\]{}<>|'\"+*=?!&@#%$]")
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")
_NOISE_WORDS = (  # legal forms, civilities, bank jargon: they tell no debtor apart
    """sarl sas sasu sa eurl sci snc scp scop selarl selas earl gaec ste societe ets
    etablissements cie compagnie groupe et de du des la le les au aux en chez m mr mme
    mlle monsieur madame vir virement sepa recu emis inst instantane sct prlv prelevement
    ref reference facture factures fact fac fa inv invoice paiement reglement remise cheque ou
    chq cb carte from to ordre motif donneur client"""
)
_NAME_NOISE = frozenset(_NOISE_WORDS.split())


class Referenced(Protocol):
    """What ReferenceIndex indexes: an open claim, by id and reference."""

    @property
    def id(self) -> int: ...

    @property
    def reference(self) -> str: ...


C = TypeVar("C", bound=Referenced)


class Hit(NamedTuple, Generic[C]):
    claim: C
    written: str  # the reference as found in the text, normalised
    typo: bool
    short: bool = False  # only its number was written, without the year ("14438")


class Found(NamedTuple, Generic[C]):
    """What a remittance text cites: our open claims, and the references that are not."""

    hits: list[Hit[C]]
    closed: list[str]  # references of our claims already settled, as written
    foreign: list[str]  # invoice numbers that are none of ours, as written
    numbers: list[str]  # numbers written alone, without leading zeros ("8032")


# an invoice number as payers write one: a prefix, then digits ("FC-77812", "INV 2026-4411")
_MENTION = re.compile(
    r"(?<![A-Z0-9])(?:FACTURES?|FACT|FAC|FCT|FA|FC|FT|FR|F|INVOICE|INV)"
    r"(?:\s*N[O°]?)?[\s.:#°/-]{0,3}(\d[\d/.-]*\d)(?![\d/])"
)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_DATE_IN_TEXT = re.compile(r"(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/.-])")
MIN_MENTION_DIGITS = 4


def fold(text: str) -> str:
    """Upper case, accents and non-ASCII dropped: "N° fàct" → "N FACT"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.upper()


def reference_key(text: str) -> str:
    """A reference as compared: "fa-2026/000.12" → "FA202600012"."""
    key = fold(text)
    if key.isalnum():
        return key
    key = key.replace("-", "").replace(" ", "").replace("/", "").replace(".", "")
    return key if key.isalnum() else key.translate(_NOT_ALNUM)


def core(key: str) -> str:
    """A reference key without its invoice prefix: "FACTURE2026012" → "2026012"."""
    if not key or key[0].isdigit():
        return key
    prefix = _PREFIX.match(key)
    return key[prefix.end() :] if prefix else key


def core_keys(references: list[str]) -> list[str]:
    """core(reference_key(r)) for each of `references`, a million at C speed: they are
    joined into one text, folded, stripped and cut again."""
    joined = "\n".join(references)
    if joined.count("\n") != max(len(references) - 1, 0):  # a reference on two lines
        return [core(reference_key(r)) for r in references]
    keys = _PREFIX_OF_LINES.sub("", fold(joined).translate(_NOT_ALNUM_NOR_NEWLINE))
    return keys.split("\n") if references else []


class ReferenceIndex(Generic[C]):
    """Open claims by reference key, built once per run; finds references in free text.

    Keys are compared without their prefix ("FA", "FACTURE", "N°"…), so "FACT 2026-12"
    finds FA-2026-12; references are looked for in runs of up to 4 words holding a digit
    (a reference made of letters only is not looked for). A typo is looked for only in a
    run shaped like a reference (digits and letters where the keys have them, give or
    take one), by trying each key one edit away (a character missing, extra, wrong, or
    two swapped): a few hundred dict probes, and no index of variants to build over a
    million references.
    """

    def __init__(self, claims: Iterable[C]) -> None:
        # key → its claim, or a list of them (the same number at two creditors): one
        # object per claim, not a list per key, for a million references
        claims = list(claims)
        keys = core_keys([claim.reference for claim in claims])
        by_core: dict[str, C | list[C]] = dict(zip(keys, claims, strict=True))
        if len(by_core) < len(keys):  # a key shared by claims: all of them
            shared: dict[str, list[C]] = {k: [] for k, n in Counter(keys).items() if n > 1}
            for key, claim in zip(keys, claims, strict=True):
                if key in shared:
                    shared[key].append(claim)
            by_core.update(shared)
        by_core.pop("", None)
        self._by_core = by_core
        shapes = "\n".join(k for k in by_core if len(k) >= TYPO_MIN_LENGTH).translate(_SHAPE)
        self._shapes = set(shapes.split("\n")) - {""}
        self._shape_near: dict[str, bool] = {}
        # a reference's number without its year ("FA2026-014438" → "14438"): payers drop it
        by_short: dict[str, C | list[C]] = {}
        for key, claim in zip(keys, claims, strict=True):
            number = short_number(key)
            if number:
                found = by_short.setdefault(number, claim)
                if found is not claim:
                    if isinstance(found, list):
                        found.append(claim)
                    else:
                        by_short[number] = [found, claim]
        self._by_short = by_short
        self.prefixes = frozenset(_prefix_of(claim.reference) for claim in claims[:10_000])

    def find(self, text: str) -> list[Hit[C]]:
        """The open claims whose reference appears in `text`, exactly or with one typo."""
        return self.read(text).hits

    def read(self, text: str, closed: Collection[str] = ()) -> Found[C]:
        """What `text` cites: our open claims (exactly, shortened, or with one typo), the
        references of `closed` (keys of our settled claims) and other invoice numbers.

        A reference followed by short numbers is a list written short: "FA2026-08699 892"
        cites FA2026-08892 too (the number replaces the reference's last digits).
        """
        hits: dict[int, Hit[C]] = {}
        spans: list[tuple[int, int, int]] = []
        near: list[tuple[int, int, int, str, str]] = []
        settled: list[tuple[int, int, int, str]] = []
        segments = _segments(text)
        for s, i, j, window in _windows_of(segments):
            if i and segments[s][i - 1] in _OTHER_NUMBERINGS:  # "MANDAT 2026-007063"
                continue
            key = core(window)
            found = self._exact(window, key)
            for claim in found:
                hits.setdefault(claim.id, Hit(claim, window, typo=False))
            if found:
                spans.append((s, i, j))
                self._shortened(key, segments[s], j, hits)
            elif closed and key in closed and len(key) >= MIN_MENTION_DIGITS:
                settled.append((s, i, j, window))
            elif len(key) >= TYPO_MIN_LENGTH and self._shaped_like_a_key(key):
                near.append((s, i, j, window, key))
        tried: set[str] = set()
        for s, i, j, window, key in near:
            overlaps = any(s == t and i <= b and a <= j for t, a, b in spans)
            if overlaps or key in tried:  # part of a reference already found exactly
                continue
            tried.add(key)
            for claim in self._typo(key):
                hits.setdefault(claim.id, Hit(claim, window, typo=True))
        numbers = self._short_numbers(segments, spans, hits)
        cited = list(hits.values())
        closed_cited = _outside(settled, spans)
        foreign = _foreign(text, cited, closed_cited, self.prefixes)
        return Found(cited, closed_cited, foreign, numbers)

    def _short_numbers(
        self, segments: list[list[str]], spans: list[tuple[int, int, int]], hits: dict[int, Hit[C]]
    ) -> list[str]:
        """Numbers written alone that are a reference's number without its year; returns
        every number written alone (those another numbering names, "MANDAT 2026-006042",
        left out)."""
        numbers = []
        for s, tokens in enumerate(segments):
            for k, token in enumerate(tokens):
                if not token.isdigit() or any(s == t and a <= k <= b for t, a, b in spans):
                    continue
                number = token.lstrip("0")
                if len(number) < 3 or _YEAR.fullmatch(token):
                    continue
                if k == 0 or tokens[k - 1] not in _OTHER_NUMBERINGS:
                    numbers.append(number)
                found = self._by_short.get(number)
                if found is None:
                    continue
                for claim in found if isinstance(found, list) else [found]:
                    hits.setdefault(claim.id, Hit(claim, token, typo=False, short=True))
        return numbers

    def _shortened(self, key: str, tokens: list[str], j: int, hits: dict[int, Hit[C]]) -> None:
        """The short numbers after a reference found at word j, read as its last digits."""
        digits = len(key) - len(key.rstrip("0123456789"))
        for token in tokens[j + 1 : j + 1 + MAX_SHORTENED]:
            if not token.isdigit() or not 2 <= len(token) < digits:
                return
            written = key[: -len(token)] + token
            for claim in self._claims(written):
                hits.setdefault(claim.id, Hit(claim, written, typo=False))

    def _shaped_like_a_key(self, key: str) -> bool:
        form = shape(key)
        near = self._shape_near.get(form)
        if near is None:
            near = form in self._shapes or any(
                variant in self._shapes for variant in _edits(form, _SHAPE_ALPHABET, _missing_shape)
            )
            self._shape_near[form] = near
        return near

    def _exact(self, window: str, key: str) -> list[C]:
        claims = self._claims(key)
        if not claims or len(key) >= 5:  # a long number, with or without its prefix
            return claims
        if key != window and len(key) >= 3:  # a prefix and a number: "FA 123"
            return claims
        return [c for c in claims if reference_key(c.reference) == window]  # as written

    def _claims(self, key: str) -> list[C]:
        found = self._by_core.get(key)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def _typo(self, key: str) -> list[C]:
        by_core = self._by_core
        close = {
            variant
            for variant in _edits(key, _TYPO_ALPHABET, _missing_character)
            if variant in by_core
        }
        close.discard(key)
        if len(close) != 1:  # none, or ambiguous: a typo is only trusted when it is unique
            return []
        return self._claims(close.pop())


_SHAPE = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "A" * 26)
_SHAPE_ALPHABET = {"9": "A", "A": "9"}
_DIGITS, _LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOOK_ALIKE = {"0": "O", "O": "0D", "1": "IL", "I": "1", "L": "1", "5": "S", "S": "5"}
_LOOK_ALIKE |= {"8": "B", "B": "8", "2": "Z", "Z": "2", "6": "G", "G": "6", "D": "0"}
# what a character may have been typed for: another of its kind, or a look-alike
_TYPO_ALPHABET = {c: _DIGITS.replace(c, "") + _LOOK_ALIKE.get(c, "") for c in _DIGITS}
_TYPO_ALPHABET |= {c: _LETTERS.replace(c, "") + _LOOK_ALIKE.get(c, "") for c in _LETTERS}


def shape(key: str) -> str:
    """Where a key has digits and letters: "FA2026" → "AA9999"."""
    return key.translate(_SHAPE)


def _edits(key: str, replacements: dict[str, str], missing: Callable[[str], str]) -> Iterator[str]:
    """The strings one typo away from `key`: a character extra, swapped, wrong or missing.

    `replacements` maps a character to those it may have been typed for; `missing` gives
    the characters that may be missing between two (a digit among digits).
    """
    n = len(key)
    for i in range(n):
        yield key[:i] + key[i + 1 :]
    for i in range(n - 1):
        if key[i] != key[i + 1]:
            yield key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    for i in range(n):
        head, tail = key[:i], key[i + 1 :]
        for other in replacements[key[i]]:
            yield head + other + tail
    for i in range(n + 1):
        head, tail = key[:i], key[i:]
        for other in missing(head[-1:] + tail[:1]):
            yield head + other + tail


def _missing_character(around: str) -> str:
    """Of the kind of its neighbours: a digit between digits, a letter between letters."""
    digit = any(c.isdigit() for c in around)
    letter = any(c.isalpha() for c in around)
    return (_DIGITS if digit else "") + (_LETTERS if letter else "")


def _missing_shape(_around: str) -> str:
    return "9A"


def _segments(text: str) -> list[list[str]]:
    """The words of each part of `text` between hard stops (commas, brackets…), dates
    left out ("DU 28/06/2026" is no reference "2806")."""
    folded = fold(text)
    if "/" in folded or "." in folded or "-" in folded:
        folded = _DATE_IN_TEXT.sub(" ", folded)
    return [part.translate(_NOT_ALNUM_NOR_SPACE).split() for part in _HARD_STOP.split(folded)]


def _windows(text: str) -> Iterator[tuple[int, int, int, str]]:
    return _windows_of(_segments(text))


def _windows_of(segments: list[list[str]]) -> Iterator[tuple[int, int, int, str]]:
    """Runs of 1–4 consecutive words with a digit, joined: where a reference may be."""
    for s, tokens in enumerate(segments):
        digits = [k for k, token in enumerate(tokens) if not token.isalpha()]
        if not digits:
            continue
        for i in range(max(0, digits[0] - MAX_WINDOW_TOKENS + 1), len(tokens)):
            # the first word holding a digit from i on: a window must reach it
            first = next((k for k in digits if k >= i), None)
            if first is None or first >= i + MAX_WINDOW_TOKENS:
                continue
            window = "".join(tokens[i:first])
            for j in range(first, min(i + MAX_WINDOW_TOKENS, len(tokens))):
                window += tokens[j]
                if len(window) > MAX_KEY_LENGTH:
                    break
                if len(window) >= 4:
                    yield s, i, j, window


def _outside(
    found: list[tuple[int, int, int, str]], spans: list[tuple[int, int, int]]
) -> list[str]:
    """The windows of `found` that overlap no span of an open claim's reference, longest
    first, each once."""
    kept: list[str] = []
    for s, i, j, window in sorted(found, key=lambda f: f[1] - f[2]):
        overlaps = any(s == t and i <= b and a <= j for t, a, b in spans)
        if not overlaps and not any(window in other for other in kept):
            kept.append(window)
    return kept


_YEAR = re.compile(r"(19|20)\d\d")
# words before a number that is not an invoice's: the treasury's mandate, an order
_OTHER_NUMBERINGS = frozenset(
    [
        "MANDAT",
        "BORD",
        "BORDEREAU",
        "CLIENT",
        "CLT",
        "CDE",
        "COMMANDE",
        "BC",
        "PO",
        "DOSSIER",
        "CONTRAT",
        "ADHERENT",
        "SIRET",
        "SIREN",
        "TVA",
        "LOT",
        "TEL",
    ]
)
_GENERIC_PREFIXES = frozenset(("", "F", "FACT", "FAC", "FCT", "FACTURE", "FACTURES", "N", "NO"))


def short_number(key: str) -> str:
    """A reference key's number without its year: "202614438" → "14438", "20260377" →
    "377"; "" when the key is not a year and a number of 3 digits or more."""
    if len(key) < 7 or not key.isdigit() or not _YEAR.match(key):
        return ""
    number = key[4:].lstrip("0")
    return number if len(number) >= 3 else ""


def _prefix_of(reference: str) -> str:
    """The letters before a reference's number, less the words that say "invoice":
    "FACT FA2026-12" → "FA", "FACTURE N. 14801" → "", "INV 2026-4411" → "INV"."""
    key = reference_key(reference)
    letters = key[: len(key) - len(key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    return _INVOICE_WORDS.sub("", letters)


_INVOICE_WORDS = re.compile(r"^(?:FACTURES|FACTURE|FACT|FAC|FCT|NUMERO|NUM|NO|N)*")


def _foreign(
    text: str, hits: Sequence[Hit[Any]], closed: Sequence[str], prefixes: frozenset[str]
) -> list[str]:
    """Invoice numbers written in `text` that are none of ours: neither a claim found
    (exactly or one character away) nor a settled one; or written with a prefix that
    none of our references has ("INV", "FC")."""
    mentions = list(_MENTION.finditer(fold(text)))
    if not mentions:  # most labels: no invoice number but ours, or none at all
        return []
    ours = {core(h.written) for h in hits} | {core(reference_key(h.claim.reference)) for h in hits}
    ours |= {core(c) for c in closed}
    ours |= {short_number(k) for k in ours} - {""}
    foreign = []
    for match in mentions:
        number = match.group(1)
        if _DATE.fullmatch(number):
            continue
        key = core(reference_key(match.group(0)))
        if sum(c.isdigit() for c in key) < MIN_MENTION_DIGITS:
            continue
        prefix = _prefix_of(match.group(0))
        if prefix in _GENERIC_PREFIXES or prefix in prefixes:
            if any(key == k or key in k or k in key for k in ours if k):
                continue
            if any(Levenshtein.distance(key, k, score_cutoff=1) <= 1 for k in ours if k):
                continue
        written = match.group(0).strip()
        if written not in foreign:
            foreign.append(written)
    return foreign


def reference_words(text: str) -> list[str]:
    """The words of `text` that hold a digit, folded, as a payer wrote them."""
    return _WORD_WITH_A_DIGIT.findall(fold(text))


_WORD_WITH_A_DIGIT = re.compile(r"[^\s\d]*\d\S*")


def name_tokens(text: str) -> list[str]:
    """The words of a name that tell debtors apart (no legal form, no bank jargon)."""
    return [
        t
        for t in _NAME_SPLIT.split(normalize(text))
        if len(t) > 1 and t.isalpha() and t not in _NAME_NOISE
    ]


class NameIndex:
    """Debtor names by their words, to compare a payer's name with a few debtors only.

    A payer's words are first mapped onto the words of the debtors' names (exactly, or
    one typo away for words of 4 letters or more). A debtor resembles the payer when the
    payer wrote all of its key words (its MAX_KEY_WORDS rarest words; legal forms and
    jargon are no words), found by looking up each small set of the payer's words; rapidfuzz
    token_set_ratio then scores the name (85 or more), forgiving extra words ("SARL", a
    first name) and word order. When no debtor's whole name was written but the payer left
    out one word of three or more ("Garage Martin" for Garage Martin Nantes), the debtor
    still resembles, with the lowest score, provided the word left out is not its rarest.
    """

    def __init__(self, names: dict[int, str]) -> None:
        self._names: dict[int, str] = {}
        postings: dict[str, int] = {}
        for debtor_id, name in names.items():
            tokens = sorted(set(name_tokens(name)))
            if tokens:
                self._names[debtor_id] = " ".join(tokens)
                for token in tokens:
                    postings[token] = postings.get(token, 0) + 1
        # key words, sorted → (debtors with those key words, debtors with one more)
        self._by_words: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}
        for debtor_id, name in self._names.items():
            words = sorted(name.split(), key=lambda t: (postings[t], t))[:MAX_KEY_WORDS]
            self._debtors_of(sorted(words))[0].append(debtor_id)
            if len(words) >= 3:
                for left_out in words[1:]:  # never the rarest
                    self._debtors_of(sorted(w for w in words if w != left_out))[1].append(debtor_id)
        self._vocabulary = frozenset(postings)
        self._variants: dict[str, list[str]] = {}  # a word less one letter → the words
        for word in self._vocabulary:
            if len(word) >= 4:
                for variant in _deletions(word):
                    self._variants.setdefault(variant, []).append(word)

    def _debtors_of(self, words: list[str]) -> tuple[list[int], list[int]]:
        key = tuple(words)
        found = self._by_words.get(key)
        if found is None:
            found = self._by_words[key] = ([], [])
        return found

    def similar(self, text: str) -> list[NameMatch]:
        """Debtors whose name resembles `text`, best first, at most MAX_NAME_MATCHES.

        One word one letter away from a single word of the debtors' names is read as that
        word ("PEINEURE" is Peinture): the name then scores as if written right, and the
        match says it had a typo. With more such words, the letters themselves are scored.
        """
        tokens = set(name_tokens(text))
        written: set[str] = set()
        fixed: dict[str, str] = {}  # a word with a typo → the debtors' word it must be
        for token in tokens:
            words = self._words_for(token)
            written.update(words)
            if len(words) == 1 and words[0] != token:
                fixed[token] = words[0]
        ordered = sorted(written)[:MAX_WRITTEN_WORDS]
        whole: set[int] = set()
        all_but_one: set[int] = set()
        by_words = self._by_words
        for size in range(1, min(len(ordered), MAX_KEY_WORDS) + 1):
            for words in combinations(ordered, size):  # sorted, as the keys are
                if debtors := by_words.get(words):
                    whole.update(debtors[0])
                    all_but_one.update(debtors[1])
        typo = len(fixed) == 1
        query = " ".join(sorted({fixed.get(t, t) for t in tokens} if typo else tokens))
        matches = []
        written_words = set(query.split())
        for debtor_id in whole:
            name = self._names[debtor_id]
            score = fuzz.token_set_ratio(query, name, score_cutoff=NAME_THRESHOLD)
            if score:
                words = name.split()
                fixed_here = typo and next(iter(fixed.values())) in words
                if len(words) == 1 or not written_words <= set(words):
                    # a one-word name ("Ets David") is in many payers' names, and a payer
                    # who wrote other words may be another firm ("Garage Martin & Fils")
                    score = min(score, NAME_THRESHOLD)
                matches.append((-score, -name.count(" "), debtor_id, fixed_here))
        matches.sort()  # the best score, then more words matched: more telling
        found = [NameMatch(d, -score, fixed_here) for score, _w, d, fixed_here in matches]
        if not found:  # the payer wrote no debtor's whole name: one word may be missing
            missing_one = sorted(all_but_one - whole)[:MAX_NAME_MATCHES]
            found = [
                NameMatch(debtor_id, float(NAME_THRESHOLD), False) for debtor_id in missing_one
            ]
        return found[:MAX_NAME_MATCHES]

    def named_in(self, text: str) -> list[int]:
        """Debtors whose whole name, of two words or more, is written in `text` (a label:
        "MANDAT 2026-006042 MAIRIE DE LORIENT"), at most MAX_NAME_MATCHES."""
        tokens = set(name_tokens(text)) & self._vocabulary
        ordered = sorted(tokens)[: MAX_WRITTEN_WORDS + 4]
        found: set[int] = set()
        for size in range(2, min(len(ordered), MAX_KEY_WORDS) + 1):
            for words in combinations(ordered, size):
                if debtors := self._by_words.get(words):
                    found.update(debtors[0])
        named = [d for d in found if set(self._names[d].split()) <= tokens]
        named.sort(key=lambda d: (-self._names[d].count(" "), d))  # the longest names first
        return named[:MAX_NAME_MATCHES]

    def _words_for(self, token: str) -> Sequence[str]:
        """The debtors' words `token` may be: itself, or those one typo away."""
        if token in self._vocabulary:
            return (token,)
        if len(token) < 4:
            return ()
        shorter = _deletions(token)
        found = {word for word in shorter if word in self._vocabulary}  # a letter too many
        for variant in (token, *shorter):  # a letter missing, or one wrong
            found.update(self._variants.get(variant, ()))
        return [w for w in found if Levenshtein.distance(token, w, score_cutoff=1) <= 1]


class NameMatch(NamedTuple):
    debtor_id: int
    score: float  # rapidfuzz token_set_ratio, NAME_THRESHOLD to 100
    typo: bool  # one word of the name was written with a letter wrong, missing or extra


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
