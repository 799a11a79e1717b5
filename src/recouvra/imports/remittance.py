"""Reading remittance text: invoice references (with prefixes and typos) and payer names.

Two indexes built once per reconciliation run: ReferenceIndex finds open claims' references
in a bank line's free text, NameIndex finds the debtors a payer's name resembles. Pure
Python, no database; matching.py scores what they find.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from recouvra.ledger.search import normalize

NAME_THRESHOLD = 85  # rapidfuzz token_set_ratio on normalised names
TYPO_MIN_LENGTH = 6  # shorter references must be exact: "1234" vs "1235" is no typo
MAX_WINDOW_TOKENS = 4  # a reference written with spaces: "FA 2026 000123"
MAX_KEY_LENGTH = 40
MAX_NAME_POOL = 300  # debtors compared by name for one line, rarest tokens first
MAX_NAME_MATCHES = 5  # debtors a name may point to; more would only be noise

_NOT_ALNUM = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()))
# invoice-number prefixes a payer may add or drop: "FACT. 2026-12", "N° FA2026-12"
_PREFIX = re.compile(r"(?:FACTURES?|FACT|FAC|FCT|FA|FT|F|INVOICE|INV|REF|NUMERO|NUM|NO|N)+(?=\d)")
# characters that end a reference: "1 234,56" is an amount, not the reference "123456"
_HARD_STOP = re.compile(r"[,;:()\[\]{}<>|'\"+*=?!&@#%$]")
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")
_NOISE_WORDS = (  # legal forms, civilities, bank jargon: they tell no debtor apart
    """sarl sas sasu sa eurl sci snc scp scop selarl selas earl gaec ste societe ets
    etablissements cie compagnie groupe et de du des la le les au aux en chez m mr mme
    mlle monsieur madame vir virement sepa recu emis inst instantane sct prlv prelevement
    ref reference facture factures fact fac fa inv invoice paiement reglement remise cheque
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


@dataclass(frozen=True)
class Hit(Generic[C]):
    claim: C
    written: str  # the reference as found in the text, normalised
    typo: bool


def fold(text: str) -> str:
    """Upper case, accents and non-ASCII dropped: "N° fàct" → "N FACT"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.upper()


def reference_key(text: str) -> str:
    """A reference as compared: "fa-2026/000.12" → "FA202600012"."""
    return fold(text).translate(_NOT_ALNUM)


def core(key: str) -> str:
    """A reference key without its invoice prefix: "FACTURE2026012" → "2026012"."""
    if not key or key[0].isdigit():
        return key
    prefix = _PREFIX.match(key)
    return key[prefix.end() :] if prefix else key


class ReferenceIndex(Generic[C]):
    """Open claims by reference key, built once per run; finds references in free text.

    Keys are compared without their prefix ("FA", "FACTURE", "N°"…), so "FACT 2026-12"
    finds FA-2026-12; references are looked for in runs of up to 4 words holding a digit
    (a reference made of letters only is not looked for). Typos are found through the
    one-deletion neighbourhood of each key (built on first use): two keys one edit apart
    share a key or a one-deletion variant, so a lookup costs a dozen dict probes instead
    of a scan of the keys of that length.
    """

    def __init__(self, claims: Iterable[C]) -> None:
        self._by_core: dict[str, list[tuple[C, str]]] = {}
        for claim in claims:
            full = reference_key(claim.reference)
            if full:
                self._by_core.setdefault(core(full), []).append((claim, full))
        self._deletions: dict[str, int | list[int]] | None = None
        self._keys: list[str] = []
        self._lengths = {len(k) for k in self._by_core if len(k) >= TYPO_MIN_LENGTH}

    def find(self, text: str) -> list[Hit[C]]:
        """The open claims whose reference appears in `text`, exactly or with one typo."""
        hits: dict[int, Hit[C]] = {}
        spans: list[tuple[int, int, int]] = []
        near: list[tuple[int, int, int, str, str]] = []
        for s, i, j, window in _windows(text):
            key = core(window)
            found = self._exact(window, key)
            for claim in found:
                hits.setdefault(claim.id, Hit(claim, window, typo=False))
            if found:
                spans.append((s, i, j))
            elif len(key) >= TYPO_MIN_LENGTH and self._near_length(len(key)):
                near.append((s, i, j, window, key))
        tried: set[str] = set()
        for s, i, j, window, key in near:
            overlaps = any(s == t and i <= b and a <= j for t, a, b in spans)
            if overlaps or key in tried:  # part of a reference already found exactly
                continue
            tried.add(key)
            for claim in self._typo(key):
                hits.setdefault(claim.id, Hit(claim, window, typo=True))
        return list(hits.values())

    def _near_length(self, length: int) -> bool:
        lengths = self._lengths
        return length in lengths or length - 1 in lengths or length + 1 in lengths

    def _exact(self, window: str, key: str) -> list[C]:
        entries = self._by_core.get(key)
        if not entries:
            return []
        prefixed = key != window
        return [
            claim
            for claim, full in entries
            # as written; or prefix + number; or a long number without its prefix
            if full == window or (prefixed and len(key) >= 3) or len(key) >= 5
        ]

    def _typo(self, key: str) -> list[C]:
        deletions = self._deletion_index()
        ids: set[int] = set()
        for variant in [key, *(key[:i] + key[i + 1 :] for i in range(len(key)))]:
            found = deletions.get(variant)
            if found is None:
                continue
            if isinstance(found, int):
                ids.add(found)
            else:
                ids.update(found)
        close = {
            self._keys[i]
            for i in ids
            if self._keys[i] != key
            and Levenshtein.distance(key, self._keys[i], score_cutoff=1) <= 1
        }
        if len(close) != 1:  # none, or ambiguous: a typo is only trusted when it is unique
            return []
        return [claim for claim, _full in self._by_core[close.pop()]]

    def _deletion_index(self) -> dict[str, int | list[int]]:
        """Each key and its one-deletion variants → the key's number (a list when shared).

        100,000 references of 10 characters make ~1,000,000 entries, built in about a
        second on the first typo looked for; ints rather than lists keep it to ~60 MB.
        """
        if self._deletions is None:
            index: dict[str, int | list[int]] = {}
            get = index.get
            self._keys = [key for key in self._by_core if len(key) >= TYPO_MIN_LENGTH]
            for number, key in enumerate(self._keys):
                for variant in {key, *[key[:i] + key[i + 1 :] for i in range(len(key))]}:
                    found = get(variant)
                    if found is None:
                        index[variant] = number
                    elif found.__class__ is int:
                        index[variant] = [found, number]
                    else:
                        found.append(number)
            self._deletions = index
        return self._deletions


def _windows(text: str) -> Iterator[tuple[int, int, int, str]]:
    """Runs of 1–4 consecutive words with a digit, joined: where a reference may be."""
    for s, part in enumerate(_HARD_STOP.split(fold(text))):
        tokens = [t for t in (raw.translate(_NOT_ALNUM) for raw in part.split()) if t]
        for i in range(len(tokens)):
            window, digit = "", False
            for j in range(i, min(i + MAX_WINDOW_TOKENS, len(tokens))):
                window += tokens[j]
                digit = digit or not tokens[j].isalpha()
                if len(window) > MAX_KEY_LENGTH:
                    break
                if digit and len(window) >= 4:
                    yield s, i, j, window


def name_tokens(text: str) -> list[str]:
    """The words of a name that tell debtors apart (no legal form, no bank jargon)."""
    return [
        t
        for t in _NAME_SPLIT.split(normalize(text))
        if len(t) > 1 and t.isalpha() and t not in _NAME_NOISE
    ]


class NameIndex:
    """Debtor names by word, to compare a payer's name with a few debtors only.

    A payer is compared (rapidfuzz token_set_ratio) with the debtors sharing one of its
    words, the rarest words first, at most MAX_NAME_POOL debtors: 1,000 lines against
    10,000 debtors cost a few hundred thousand C-level comparisons, not ten million.
    token_set_ratio forgives extra words ("SARL", a first name) but also scores
    "garage roux" against "garage roy" at 86: a debtor only matches when the payer wrote
    its most distinctive words (the rarest among the debtors' names), give or take a typo.
    """

    def __init__(self, names: dict[int, str]) -> None:
        self._names: dict[int, str] = {}
        postings: dict[str, list[int]] = {}
        for debtor_id, name in names.items():
            tokens = name_tokens(name)
            if tokens:
                self._names[debtor_id] = " ".join(tokens)
                for token in set(tokens):
                    postings.setdefault(token, []).append(debtor_id)
        # per word: its debtors and their names, ready for rapidfuzz (no per-line copies)
        self._postings = {
            token: (ids, [self._names[d] for d in ids]) for token, ids in postings.items()
        }
        self._distinctive: dict[int, list[str]] = {}
        for debtor_id, name in self._names.items():
            rarest = min(len(postings[t]) for t in name.split())
            self._distinctive[debtor_id] = [t for t in name.split() if len(postings[t]) == rarest]

    def similar(self, text: str) -> list[tuple[int, float]]:
        """Debtors whose name resembles `text`, best first, at most MAX_NAME_MATCHES."""
        tokens = set(name_tokens(text))
        postings = sorted(
            (self._postings[t] for t in tokens if t in self._postings), key=lambda p: len(p[0])
        )
        query = " ".join(sorted(tokens))
        scores: dict[int, float] = {}
        compared = 0
        for ids, names in postings:
            if compared and compared + len(ids) > MAX_NAME_POOL:
                break
            compared += len(ids)
            found = process.extract(
                query, names, scorer=fuzz.token_set_ratio, score_cutoff=NAME_THRESHOLD, limit=None
            )
            for _name, score, index in found:
                scores[ids[index]] = score
        matches = [
            (debtor_id, score, self._names[debtor_id].count(" "))
            for debtor_id, score in scores.items()
            if self._written(self._distinctive[debtor_id], tokens)
        ]
        matches.sort(key=lambda m: (-m[1], -m[2], m[0]))  # more words matched: more telling
        return [(debtor_id, score) for debtor_id, score, _words in matches[:MAX_NAME_MATCHES]]

    @staticmethod
    def _written(words: list[str], tokens: set[str]) -> bool:
        """Whether the payer wrote each of these words, give or take a typo."""
        return all(word in tokens or any(_close_words(word, t) for t in tokens) for word in words)


def _close_words(word: str, other: str) -> bool:
    """One typo in a word of 4 letters or more ("duboit" for "dubois"), or as similar."""
    if min(len(word), len(other)) >= 4 and Levenshtein.distance(word, other, score_cutoff=1) <= 1:
        return True
    return fuzz.ratio(word, other) >= NAME_THRESHOLD
