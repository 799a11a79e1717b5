"""The lettrage engine's pure part: which open claims does a bank credit pay, and why.

No database here: reconcile.py loads the open claims, the debtors and what earlier
matched lines taught (IBANs, end-to-end ids, mandates), builds one Matcher per run and
asks it for the best candidate of each credit line (remittance.py reads the text). A
candidate is one debtor, one creditor and a set of claims, with a score from 0 to 100
made of its reasons (French text, stored as they are in MatchProposal.reasons).

Signals, strongest first: an invoice reference in the remittance text (prefixes and, on
long references, one typo tolerated); an end-to-end id or mandate already seen for a
debtor; the payer's IBAN; the amount (one claim's balance, or a combination of claims);
the payer's name; and, when the debtor is known but the amount fits nothing, a partial
payment allocated by law (C. civ. 1342-10) to the oldest claims.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from rapidfuzz.distance import OSA, Levenshtein

from recouvra.law.allocation import Allocation, Debt, allocate_payment
from recouvra.law.money import format_amount

from .remittance import (
    NAME_THRESHOLD,
    TYPO_MIN_LENGTH,
    Hit,
    NameIndex,
    ReferenceIndex,
    core,
    core_keys,
    fold,
    name_tokens,
    reference_key,
    reference_words,
    short_number,
)

# Points per signal; a candidate's score is their sum, capped at 100, less the penalties.
# With the default auto threshold of 90, only independent signals that agree apply a match
# unattended: a reference and the exact amount (95), a known IBAN or mandate and the exact
# amount or a combination (90), a reference and a partial amount from a payer named like
# the debtor (95), the debtor's very name (one letter wrong allowed) and the balance of
# one of its claims or a combination (90). A name misspelt in two words and the exact
# amount (70–85), a known IBAN and a partial payment (60) wait for an agent, unless the
# name also resembles; so does a partial payment when the debtor owes two creditors.
REFERENCE = 60  # an open claim's reference in the remittance text
REFERENCE_TYPO = 45  # the same with one character wrong (references of 6+ characters)
REFERENCE_SHORT = 45  # its number without the year ("14438" for FA2026-14438)
NAME_IN_LABEL = 45  # the debtor's whole name (two words or more) written in the label
TREASURY = 5  # … and the payer is the public treasury, which pays for public bodies
STRONG_OTHER = 30  # identity points that make another debtor the likely payer
AMOUNT_OF_REFERENCES = 35  # the amount is the balance of the claims cited
PARTIAL_OF_REFERENCES = 15  # less than the claims cited: a partial payment of them
ABOVE_REFERENCES = 5  # more: the surplus goes to the oldest other claims, or to credit
END_TO_END = 50  # end-to-end id seen on an earlier matched payment of the debtor
MANDATE = 50  # SEPA mandate (RUM) seen on an earlier matched payment of the debtor
IBAN = 50  # the payer's IBAN is the debtor's
IBAN_SEEN = 45  # the payer's IBAN paid this debtor before
IBAN_SHARED = 25  # the IBAN belongs to several debtors (a group paying for its companies)
NAME_MIN, NAME_MAX = 20, 50  # the payer's name resembles the debtor's (85 → 20, 100 → 50)
NAME_TYPO = 35  # … with a letter wrong, missing or extra
AMOUNT_EXACT = 40  # the amount is the balance of one claim of the debtor
AMOUNT_EXACT_SEVERAL = 25  # … of several claims: the oldest is proposed
COMBINATION = 40  # the amount is the total of several claims of the debtor
COMBINATION_SEVERAL = 20  # … of several different combinations: the oldest is proposed
PARTIAL = 10  # less than the debtor owes: the oldest claims, allocated by law
OVERPAYMENT = 5  # more than the debtor owes: the surplus is a credit
AMOUNT_MAX = max(AMOUNT_EXACT, COMBINATION, PARTIAL, OVERPAYMENT)  # what an amount may add
AMBIGUOUS = -20  # another candidate is within CLOSE points: at most 80, an agent decides
OTHER_PAYER = -15  # a reference cited, but the payer looks like another debtor
# Evidence against: what the line says that no match of ours explains. Any of them keeps
# the line out of the automatic matches (100 less 15 is below the threshold of 90).
UNEXPLAINED = -15  # the amount is a part, or more, of what the claims owe: say so first
GUESS = -25  # nothing cited and no claim of that amount: an instalment, or not ours at all
AMOUNT_UNIQUE = 30  # nobody identified, but one open claim of all owes exactly the amount
FOREIGN = -25  # an invoice number that is none of ours: another company's, a supplier's
CLOSED_CITED = -40  # one of our invoices already settled, cited again
REFUND = -30  # the label speaks of a refund, a credit note, a return
NOT_OURS_PAYER = -40  # an agent said this payer's credits paid nothing of ours
DUPLICATE = -60  # the same amount and references as a payment already matched
DUPLICATE_DAYS = 7  # … or, without references, the same label and payer within a week
STRONG = frozenset(("end_to_end", "mandate", "iban", "iban_seen"))  # identify, not resemble

MIN_SCORE = 5  # below, no proposal: the line waits in the unmatched queue
CLOSE = 5
MAX_COMBINATION_CLAIMS = 12  # oldest first: 2**12 = 4096 combinations at most
NOT_PROVIDED = "NOTPROVIDED"
AUTOMATIC = "lettrage automatique"  # who matched a payment the run applied


@dataclass(slots=True)
class Line:
    """A bank credit as the engine reads it: lighter than a BankLine (Line.of(bank_line))."""

    pk: int
    amount_cents: int
    currency: str
    booking_date: date
    label: str
    reference: str
    end_to_end_id: str
    mandate_reference: str
    counterparty_name: str
    counterparty_iban: str
    status: str = ""

    @classmethod
    def of(cls, line: Any) -> Line:
        return cls(*(getattr(line, name) for name in LINE_FIELDS))


LINE_FIELDS = tuple(f.name for f in fields(Line))


@dataclass(slots=True, eq=False)
class OpenClaim:
    """An open claim as the matcher sees it; `balance` drops as the run applies matches."""

    id: int
    reference: str
    debtor_id: int
    creditor_id: int
    balance: int
    due_date: date
    currency: str = "EUR"
    case_id: int | None = None  # reconcile.py: whose timeline tells the payment


@dataclass
class History:
    """What earlier decisions taught: identifiers → the debtors they belonged to.

    reconcile.py fills it from the tenant's PayerFacts (the removed ones left out) and
    from the lines already matched.
    """

    end_to_end: dict[str, int] = field(default_factory=dict)
    mandates: dict[str, int] = field(default_factory=dict)
    ibans: dict[str, set[int]] = field(default_factory=dict)
    # a payer's name as the bank writes it (payer_key) → the debtors an agent said it paid for
    names: dict[str, set[int]] = field(default_factory=dict)
    # the customer's number with us as the payer writes it ("CLIENT 21342") → debtors
    habits: dict[str, set[int]] = field(default_factory=dict)
    # a payer's IBAN, or payer_key of its name → why its credits paid nothing of ours
    not_ours: dict[str, str] = field(default_factory=dict)
    # (amount, remittance_key) of the credits already matched → the debtor they paid, and
    # when and on what (text); or the text alone
    paid: dict[tuple[int, str], Any] = field(default_factory=dict)


@dataclass
class Candidate:
    debtor_id: int | None  # None: a duplicate of a payment whose debtor is unknown
    creditor_id: int
    claims: list[OpenClaim]  # oldest first
    reasons: list[dict[str, Any]]
    designated: OpenClaim | None = None  # the one claim cited, paid first (C. civ. 1342-10)
    # set by Matcher.settle: what each claim owed, the law's split (claim id, share), credit
    split: tuple[dict[int, int], list[tuple[int, Allocation]], int] | None = None

    @property
    def score(self) -> int:
        """The evidence, capped at 100, less the penalties (another candidate is close)."""
        evidence = sum(r["points"] for r in self.reasons if r["points"] > 0)
        penalty = sum(r["points"] for r in self.reasons if r["points"] < 0)
        return max(0, min(100, evidence) + penalty)

    @property
    def weight(self) -> int:
        """All the points, uncapped: tells apart two candidates that both reach 100."""
        return sum(r["points"] for r in self.reasons)

    @property
    def claim_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.claims)


def _age(claim: OpenClaim) -> tuple[date, int]:
    return claim.due_date, claim.id


def _points(reasons: list[dict[str, Any]]) -> int:
    return sum(r["points"] for r in reasons)


def reason(signal: str, detail: str, points: int) -> dict[str, Any]:
    return {"signal": signal, "detail": detail, "points": points}


def compact_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


class Matcher:
    """One run of the engine over a tenant's open claims."""

    def __init__(
        self,
        claims: Iterable[OpenClaim],
        debtors: dict[int, tuple[str, str]],  # id → (name, IBAN)
        history: History | None = None,
        names: NameIndex | None = None,  # the debtors' names, indexed already
        closed: Iterable[str] = (),  # the references of the tenant's settled claims
    ) -> None:
        claims = [claim for claim in claims if claim.balance > 0]
        self.references = ReferenceIndex(claims)
        self._closed = set(core_keys(list(closed))) - {""}
        self._closed |= {short_number(key) for key in self._closed} - {""}
        self.history = history or History()
        self._paid = dict(self.history.paid)  # and the payments this run applies
        self._by_balance: dict[int, list[OpenClaim]] | None = None  # read when first needed
        # credits without references applied this run: (amount, label|IBAN) → booking date
        self._recent: dict[tuple[int, str], date] = {}
        # each debtor's open claims; split by creditor and currency, oldest first, when the
        # run first looks at the debtor (most runs look at a part of the debtors only)
        self._claims_of: dict[int, list[OpenClaim]] = {}
        claims_of = self._claims_of
        for claim in claims:
            found = claims_of.get(claim.debtor_id)
            if found is None:
                claims_of[claim.debtor_id] = [claim]
            else:
                found.append(claim)
        self._groups: dict[int, dict[tuple[int, str], list[OpenClaim]]] = {}
        self._names = {d: name for d, (name, _iban) in debtors.items() if d in claims_of}
        self._name_index = NameIndex(self._names) if names is None else names
        # line id → the debtors its payer's name resembles, read aside (payers_of)
        self._payers: dict[int, list[tuple[int, float, bool]]] = {}
        self._ibans: dict[str, set[int]] = {}
        for debtor_id, (_name, iban) in debtors.items():
            if iban and debtor_id in claims_of:
                self._ibans.setdefault(compact_iban(iban), set()).add(debtor_id)

    def know_payers(
        self, lines: Sequence[Line], found: Sequence[list[tuple[int, float, bool]]] | None
    ) -> None:
        """What payers_of(this engine's name index, lines) found, if anything: the names
        are not read again."""
        if found is not None:
            self._payers = {line.pk: names for line, names in zip(lines, found, strict=True)}

    def best(self, line: Line, excluded: Collection[frozenset[int]] = ()) -> Candidate | None:
        found = self.candidates(line, excluded)
        return found[0] if found else None

    def candidates(self, line: Line, excluded: Collection[frozenset[int]] = ()) -> list[Candidate]:
        """Every candidate worth proposing for `line`, best first."""
        if line.amount_cents <= 0:
            return []
        seen = self._read(line, excluded)
        built = list(self._from_references(seen))
        self._from_debtors(seen, built)
        against = self._against(seen)
        for candidate in built:
            candidate.reasons.extend(against)
            elsewhere = [
                h.claim.reference
                for h in seen.hits
                if not (h.typo or h.short) and h.claim not in candidate.claims
            ]
            if elsewhere:  # a slip of the pen, or two payments in one: an agent decides
                refs = ", ".join(elsewhere[:3])
                detail = f"Le libellé cite {refs}, que ce rapprochement ne règle pas"
                candidate.reasons.append(reason("other_reference", detail, UNEXPLAINED))
            foreign = _unexplained(seen.foreign, candidate.claims)
            if foreign:
                refs = ", ".join(f"« {r} »" for r in foreign[:3])
                detail = f"Le libellé cite {refs}, qui n'est pas une de nos factures"
                candidate.reasons.append(reason("foreign_reference", detail, FOREIGN))
        ranked = _ranked(built, excluded)
        if not ranked:  # nobody recognised, or none of them owes anything like it
            ranked = _ranked(self._by_amount_alone(seen, against), excluded)
        duplicate = [r for r in against if r["signal"] == "duplicate"]
        if not ranked and duplicate:  # nothing left to pay: the line waits, marked
            return [Candidate(self._paid_by(seen), 0, [], duplicate)]
        if len(ranked) > 1 and ranked[1].weight >= ranked[0].weight - CLOSE:
            other = ranked[1]
            detail = (
                f"Autre possibilité proche : {self._describe(other)} (score {other.score}) "
                "— à vérifier."
            )
            ranked[0].reasons.append(reason("ambiguous", detail, AMBIGUOUS))
        return ranked

    def settle(self, line: Line, candidate: Candidate) -> None:
        """A match applied during the run: its claims' balances drop for the next lines."""
        shares, credit = allocation_plan(
            line.amount_cents, candidate.claims, line.booking_date, candidate.designated
        )
        owed = {c.id: c.balance for c in candidate.claims}
        candidate.split = (owed, [(claim.id, share) for claim, share in shares], credit)
        key = duplicate_key(line)
        if not key[1]:  # no reference: the same label and payer within a few days
            self._recent[_same_label(line)] = line.booking_date
        else:
            refs = _refs(candidate.claims)
            self._paid.setdefault(
                key,
                (
                    candidate.debtor_id,
                    f"reçu le {line.booking_date:%d/%m/%Y} de {payer_name(line).strip()[:60]}, "
                    f"lettré sur {refs}",
                ),
            )
        for claim, share in shares:
            claim.balance -= share.to_principal
            if claim.balance <= 0:  # paid: out of its debtor's open claims
                group = self._open(claim.debtor_id)[(claim.creditor_id, claim.currency)]
                if claim in group:
                    group.remove(claim)

    def _open(self, debtor_id: int) -> dict[tuple[int, str], list[OpenClaim]]:
        """The debtor's open claims per creditor and currency, oldest first."""
        groups = self._groups.get(debtor_id)
        if groups is None:
            groups = self._groups[debtor_id] = {}
            for claim in self._claims_of[debtor_id]:
                groups.setdefault((claim.creditor_id, claim.currency), []).append(claim)
            for group in groups.values():
                group.sort(key=_age)
        return groups

    def debtor_name(self, debtor_id: int | None) -> str:
        return self._names.get(debtor_id, "") if debtor_id is not None else ""

    def _describe(self, candidate: Candidate) -> str:
        refs = ", ".join(c.reference for c in candidate.claims[:4])
        more = "…" if len(candidate.claims) > 4 else ""
        return f"{self.debtor_name(candidate.debtor_id)} ({refs}{more})"

    def _read(self, line: Line, excluded: Collection[frozenset[int]]) -> _Reading:
        currency = line.currency or "EUR"
        found = self.references.read(remittance_text(line), self._closed)
        hits = [h for h in found.hits if h.claim.currency == currency]
        settled = [h.claim.reference for h in hits if h.claim.balance <= 0 and not h.typo]
        hits = [h for h in hits if h.claim.balance > 0]
        written = {core(h.written) for h in hits if not h.typo}
        return _Reading(
            line=line,
            currency=currency,
            hits=hits,
            cited={h.claim.id for h in hits},
            written={w for w in written if len(w) >= TYPO_MIN_LENGTH},
            identity=self._identify(line),
            excluded=excluded,
            closed=[*settled, *found.closed],
            foreign=found.foreign,
            # the treasury's labels carry its mandates' and slips' numbers, not ours
            numbers=[] if _TREASURY.search(fold(line.counterparty_name)) else found.numbers,
        )

    def _against(self, seen: _Reading) -> list[dict[str, Any]]:
        """What the line says against any match: cited references that are not (or no
        longer) ours, a refund, a payer who sent us credits that paid nothing, a payment
        already received."""
        against = []
        if seen.closed:
            refs = ", ".join(seen.closed[:3])
            detail = f"Le libellé cite {refs}, facture déjà réglée"
            against.append(reason("closed_cited", detail, CLOSED_CITED))
        line = seen.line
        word = refund_word(line.label)
        if word:
            detail = f"Le libellé parle d'un remboursement ou d'un avoir (« {word} »)"
            against.append(reason("refund", detail, REFUND))
        not_ours = self.history.not_ours
        if not_ours:
            iban = compact_iban(line.counterparty_iban)
            why = not_ours.get(iban) if iban else None
            why = why or not_ours.get(payer_key(payer_name(line)))
            if why:
                detail = (
                    f"Ce payeur a déjà envoyé un virement qui ne réglait rien chez nous : {why}"
                )
                against.append(reason("not_ours", detail, NOT_OURS_PAYER))
        key = duplicate_key(line)
        paid = self._paid.get(key) if key[1] and self._paid else None
        if not paid and self._recent:
            first = self._recent.get(_same_label(line))
            if first is not None and 0 <= (line.booking_date - first).days <= DUPLICATE_DAYS:
                paid = f"reçu le {first:%d/%m/%Y} du même payeur, avec le même libellé"
        if paid:
            text = paid[1] if isinstance(paid, tuple) else paid
            detail = f"Doublon probable : même montant et mêmes références qu'un paiement {text}"
            against.append(reason("duplicate", detail, DUPLICATE))
        return against

    def _by_amount_alone(self, seen: _Reading, against: list[dict[str, Any]]) -> list[Candidate]:
        """A payer the engine cannot place (a cheque, a name cut short): the one open claim
        of all that owes exactly the amount, if only one does. Never applied by itself."""
        if self._by_balance is None:
            self._by_balance = {}
            for claims in self._claims_of.values():
                for claim in claims:
                    self._by_balance.setdefault(claim.balance, []).append(claim)
        amount = seen.line.amount_cents
        owing = [
            c
            for c in self._by_balance.get(amount, ())
            if c.balance == amount and c.currency == seen.currency
        ]
        if len(owing) != 1:
            return []
        claim = owing[0]
        detail = (
            f"Payeur inconnu ; seule facture ouverte de ce montant : {claim.reference} "
            f"({self.debtor_name(claim.debtor_id)})"
        )
        reasons = [reason("amount_unique", detail, AMOUNT_UNIQUE), *against]
        return [Candidate(claim.debtor_id, claim.creditor_id, [claim], reasons, claim)]

    def _paid_by(self, seen: _Reading) -> int | None:
        paid = self._paid.get(duplicate_key(seen.line))
        return paid[0] if isinstance(paid, tuple) else None

    def _identify(self, line: Line) -> dict[int, list[dict[str, Any]]]:
        """The debtors the payer may be, each with the reasons that say so."""
        found: dict[int, list[dict[str, Any]]] = {}

        def add(debtor_id: int, signal: str, detail: str, points: int) -> None:
            if debtor_id in self._claims_of:
                found.setdefault(debtor_id, []).append(reason(signal, detail, points))

        e2e = line.end_to_end_id.strip()
        if e2e and e2e.upper() != NOT_PROVIDED and e2e in self.history.end_to_end:
            debtor_id = self.history.end_to_end[e2e]
            detail = f"Identifiant de bout en bout {e2e} déjà vu sur un paiement lettré de "
            add(debtor_id, "end_to_end", detail + self.debtor_name(debtor_id), END_TO_END)
        rum = line.mandate_reference.strip()
        if rum and rum in self.history.mandates:
            debtor_id = self.history.mandates[rum]
            detail = f"Mandat de prélèvement {rum} de {self.debtor_name(debtor_id)}"
            add(debtor_id, "mandate", detail, MANDATE)
        self._identify_iban(line, add)
        for number in customer_numbers(line.label) if self.history.habits else ():
            for debtor_id in sorted(self.history.habits.get(number, ())):
                detail = (
                    f"Numéro client {number} dans le libellé, écrit ainsi par "
                    f"{self.debtor_name(debtor_id)} selon un agent"
                )
                add(debtor_id, "reference_habit", detail, IBAN_SEEN)
        learnt: set[int] = set()
        if self.history.names:  # a name read only when agents taught some
            learnt = self.history.names.get(payer_key(payer_name(line)), learnt)
        for debtor_id in sorted(learnt):
            detail = (
                f"Payeur « {payer_name(line).strip()[:60]} » déjà reconnu par un agent comme "
                f"payant pour {self.debtor_name(debtor_id)}"
            )
            add(debtor_id, "name_seen", detail, IBAN_SHARED if len(learnt) > 1 else IBAN_SEEN)
        payer = payer_name(line)
        names: Sequence[tuple[int, float, bool]] | None = self._payers.get(line.pk)
        if names is None:
            names = self._name_index.similar(payer)
        if (
            line.counterparty_name
            and line.label
            and not any(r > NAME_THRESHOLD for _d, r, _t in names)
        ):
            # the payer pays for another: the treasury, a parent, a factor name it
            treasury = bool(_TREASURY.search(fold(line.counterparty_name)))
            for debtor_id in self._name_index.named_in(line.label):
                detail = f"« {self.debtor_name(debtor_id)} » nommé dans le libellé"
                if treasury:
                    detail += f", payé par {line.counterparty_name.strip()[:40]}"
                add(debtor_id, "name_in_label", detail, NAME_IN_LABEL + TREASURY * treasury)
        for debtor_id, ratio, typo in names:
            points = NAME_MIN + round((ratio - NAME_THRESHOLD) * (NAME_MAX - NAME_MIN) / 15)
            if typo:  # "DUMONTS MENUISERIE" may be Dumont Menuiserie, or another firm
                points = min(points, NAME_TYPO)
            how = "à une lettre près" if typo else f"{ratio:.0f} %"
            detail = (
                f"Nom du payeur « {payer.strip()[:60]} » proche de « "
                f"{self.debtor_name(debtor_id)} » ({how})"
            )
            add(debtor_id, "name", detail, points)
        return found

    def _identify_iban(self, line: Line, add: Any) -> None:
        iban = compact_iban(line.counterparty_iban)
        if not iban:
            return
        own = self._ibans.get(iban, set())
        seen = self.history.ibans.get(iban, set()) - own
        shared = len(own | seen) > 1
        for debtor_id in sorted(own):
            detail = f"IBAN du payeur {iban} enregistré pour {self.debtor_name(debtor_id)}"
            add(debtor_id, "iban", detail, IBAN_SHARED if shared else IBAN)
        for debtor_id in sorted(seen):
            detail = (
                f"IBAN du payeur {iban} déjà vu sur un paiement lettré de "
                f"{self.debtor_name(debtor_id)}"
            )
            add(debtor_id, "iban_seen", detail, IBAN_SHARED if shared else IBAN_SEEN)

    def _from_debtors(self, seen: _Reading, built: list[Candidate]) -> None:
        """What the amount says about the open claims of each debtor the payer may be.

        Debtors are taken the surest first; one whose identity and best possible amount
        points could not come within CLOSE of the best candidate so far is not examined
        (no candidate of its would rank first, nor make the best one ambiguous).
        """
        best = max((c.score for c in built if not seen.rejected(c)), default=0)
        # a reference with a slip (_exact_amount) only counts when no cited reference
        # explains the amount
        explained = any(r["signal"] == "amount_reference" for c in built for r in c.reasons)
        slip = REFERENCE_TYPO if seen.written and not explained else 0
        most = AMOUNT_MAX + slip
        surest = sorted(seen.identity.items(), key=lambda item: (-_points(item[1]), item[0]))
        for debtor_id, reasons in surest:
            need = max(best - CLOSE, MIN_SCORE) - _points(reasons)  # from the amount
            if need > most:
                break
            # a partial payment is only guessed for a debtor the payer surely is: a known
            # IBAN, mandate or end-to-end id, or the one debtor whose name resembles his
            partial = len(seen.identity) == 1 or any(r["signal"] in STRONG for r in reasons)
            partial = partial or _points(reasons) >= NAME_MAX  # its very name, two words
            for (creditor_id, currency), claims in self._open(debtor_id).items():
                if claims and currency == seen.currency:  # the open claims, oldest first
                    found = _from_amount(seen, debtor_id, creditor_id, claims, partial, need)
                    for candidate in found:
                        candidate.reasons.extend(reasons)
                        built.append(candidate)
                        if not seen.rejected(candidate):
                            best = max(best, candidate.score)

    def _from_references(self, seen: _Reading) -> Iterator[Candidate]:
        groups: dict[tuple[int, int], list[Hit[OpenClaim]]] = {}
        for hit in seen.hits:
            groups.setdefault((hit.claim.debtor_id, hit.claim.creditor_id), []).append(hit)
        for (debtor_id, creditor_id), hits in groups.items():
            claims = self._open(debtor_id)[(creditor_id, seen.currency)]
            candidate = _cited(seen, debtor_id, creditor_id, hits, claims)
            explained = any(r["signal"] == "amount_reference" for r in candidate.reasons)
            alone = all(h.short for h in hits) and len(hits) < 2
            if alone and debtor_id not in seen.identity and not explained:
                continue  # a number in the label, neither the payer's nor the amount
            own = payer_key(self.debtor_name(debtor_id))
            others = [
                d
                for d, r in seen.identity.items()
                if _points(r) >= STRONG_OTHER and payer_key(self.debtor_name(d)) != own
            ]
            if debtor_id in seen.identity:
                candidate.reasons.extend(seen.identity[debtor_id])
            elif others:  # the payer looks like someone else: a slip of the pen?
                names = ", ".join(sorted(self.debtor_name(d) for d in others)[:3])
                detail = (
                    f"Le payeur ressemble à {names}, pas à {self.debtor_name(debtor_id)}, "
                    "débiteur de la facture citée"
                )
                candidate.reasons.append(reason("other_payer", detail, OTHER_PAYER))
            yield candidate


@dataclass
class _Reading:
    """What one line says, read once: references cited, and who the payer may be."""

    line: Line
    currency: str
    hits: list[Hit[OpenClaim]]
    cited: set[int]  # ids of the claims whose reference is in the text
    written: set[str]  # existing references the payer wrote (keys), to spot slips
    identity: dict[int, list[dict[str, Any]]]
    excluded: Collection[frozenset[int]]
    closed: list[str]  # references of our settled claims, cited
    foreign: list[str]  # invoice numbers that are none of ours
    numbers: list[str]  # numbers written alone in the text

    def rejected(self, candidate: Candidate) -> bool:
        return bool(self.excluded) and candidate.claim_ids in self.excluded

    def designated(self, claims: Sequence[OpenClaim]) -> OpenClaim | None:
        cited = [c for c in claims if c.id in self.cited]
        return cited[0] if len(cited) == 1 else None

    def money(self, cents: int) -> str:
        return format_amount(cents, self.currency)


def _ranked(built: Iterable[Candidate], excluded: Collection[frozenset[int]]) -> list[Candidate]:
    """The strongest candidate of each claim set, best first; weak and rejected ones out."""
    best: dict[frozenset[int], tuple[int, int, Candidate]] = {}
    for candidate in built:
        key = candidate.claim_ids
        score = candidate.score
        if score < MIN_SCORE or key in excluded:
            continue
        weight = candidate.weight
        kept = best.get(key)
        if kept is None or (score, weight) > (kept[0], kept[1]):
            best[key] = (score, weight, candidate)
    ordered = sorted(
        best.values(),
        # equal scores (100 is a cap): more evidence first, then fewer and older claims
        key=lambda k: (-k[0], -k[1], len(k[2].claims), k[2].claims[0].due_date, k[2].claims[0].id),
    )
    ranked = [candidate for _score, _weight, candidate in ordered]
    for candidate in ranked:  # strongest reasons first, penalties last
        candidate.reasons.sort(key=lambda r: -r["points"])
    return ranked


def payer_name(line: Line) -> str:
    return line.counterparty_name or line.label


_TREASURY = re.compile(r"(?<![A-Z])(DGFIP|DRFIP|DDFIP|SGC|TRESOR|TRESORERIE|PAIERIE|PAYEUR)")
_REFUND = re.compile(
    r"(?<![A-Z])(REMBOURSEMENT|REMBT|REMB|RBT|RBST|AVOIR|TROP[ -]?PERCU|RESTITUTION|"
    r"RETROCESSION|RISTOURNE|INDEMNIT|SINISTRE|REGULARISATION|REGUL|RETOUR|ANNULATION|"
    r"CAUTION|DEPOT DE GARANTIE)"
)


def refund_word(label: str) -> str:
    """The word of `label` that says the credit gives money back rather than pays."""
    found = _REFUND.search(fold(label))
    return found.group(1) if found else ""


def duplicate_key(line: Line) -> tuple[int, str]:
    """A credit as a second copy of it would repeat it: the amount, and the words of its
    label that hold a digit (the references cited), sorted; a label without any tells
    nothing (a monthly transfer of the same amount is no duplicate)."""
    words = sorted({w for w in reference_words(line.label) if not _DATE_WORD.fullmatch(w)})
    return line.amount_cents, " ".join(words)[:200]


_CUSTOMER_NUMBER = re.compile(
    r"(?<![A-Z])(?:CLIENT|CLT|ADHERENT|DOSSIER|CONTRAT|COMPTE|CPTE|CODE)\s*"
    r"(?:N[O°]?\s*)?[.:#-]?\s*([A-Z]*-?\d[A-Z0-9-]{2,19})(?![A-Z0-9])"
)


def customer_numbers(label: str) -> list[str]:
    """The numbers a payer gives as his own with us ("CLIENT 21342", "N° ADHERENT A-778"),
    which an agent's answer teaches (FactKind.REFERENCE_HABIT): "21342", "A778"."""
    if not any(c.isdigit() for c in label):
        return []
    return [reference_key(m.group(1)) for m in _CUSTOMER_NUMBER.finditer(fold(label))]


def _same_label(line: Line) -> tuple[int, str]:
    """A credit without references as a second copy would repeat it: amount, label, IBAN."""
    return line.amount_cents, f"{fold(line.label)}|{compact_iban(line.counterparty_iban)}"


_DATE_WORD = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{8}")


def payer_key(name: str) -> str:
    """A payer's name as compared with a learned one: folded, words in order, no noise."""
    return " ".join(name_tokens(name))


def remittance_key(line: Line) -> str:
    """duplicate_key's words: what History.paid is keyed by, with the amount."""
    return duplicate_key(line)[1]


def payers_of(names: NameIndex, lines: Sequence[Line]) -> list[list[tuple[int, float, bool]]]:
    """For each line, the debtors its payer's name resembles (NameIndex.similar), as plain
    tuples: read in another process while the run loads the claims (Matcher.know_payers)."""
    return [
        [(match.debtor_id, match.score, match.typo) for match in names.similar(payer_name(line))]
        for line in lines
    ]


def remittance_text(line: Line) -> str:
    """Where a payer writes what he pays: label, bank reference, end-to-end id."""
    return " | ".join(p for p in (line.label, line.reference, line.end_to_end_id) if p)


def _refs(claims: Sequence[OpenClaim]) -> str:
    refs = [c.reference for c in claims[:5]]
    return ", ".join(refs) + ("…" if len(claims) > 5 else "")


def _cited(
    seen: _Reading,
    debtor_id: int,
    creditor_id: int,
    hits: list[Hit[OpenClaim]],
    claims: list[OpenClaim],
) -> Candidate:
    """The claims whose references the payer wrote, and how the amount compares."""
    cited = sorted((h.claim for h in hits), key=lambda c: (c.due_date, c.id))
    exact = [h for h in hits if not h.typo]
    reasons = []
    if exact:
        refs = _refs([h.claim for h in exact])
        plural = "Références" if len(exact) > 1 else "Référence"
        if all(h.short for h in exact):
            detail = f"{plural} {refs} dans le libellé, sans l'année"
            reasons.append(reason("reference_short", detail, REFERENCE_SHORT))
        else:
            reasons.append(reason("reference", f"{plural} {refs} dans le libellé", REFERENCE))
    for hit in hits:
        if hit.typo:
            detail = (
                f"Référence {hit.claim.reference} reconnue malgré une faute de frappe "
                f"(« {hit.written} »)"
            )
            reasons.append(reason("reference_typo", detail, 0 if exact else REFERENCE_TYPO))
    due = sum(c.balance for c in cited)
    amount = seen.line.amount_cents
    if amount == due:
        what = "de la facture citée" if len(cited) == 1 else "des factures citées"
        detail = f"Montant {seen.money(amount)} égal au solde {what}"
        reasons.append(reason("amount_reference", detail, AMOUNT_OF_REFERENCES))
    elif amount < due:
        detail = f"Paiement partiel : {seen.money(amount)} sur {seen.money(due)} dus"
        reasons.append(reason("partial_reference", detail, PARTIAL_OF_REFERENCES))
    elif cut := _cut_short(seen, cited, claims, amount - due):
        # the label was cut (140 characters): the references after the last one written
        cited = sorted([*cited, *cut], key=lambda c: (c.due_date, c.id))
        detail = (
            f"Montant égal aux factures citées et à {_refs(cut)}, dont les références "
            "suivaient sans doute dans le libellé coupé"
        )
        reasons.append(reason("amount_reference", detail, AMOUNT_OF_REFERENCES))
        detail = "Libellé coupé : vérifiez les factures ajoutées"
        reasons.append(reason("unexplained", detail, UNEXPLAINED))
    else:  # the surplus goes where the law sends it: the oldest other claims, then credit
        ids = {c.id for c in cited}
        rest = [c for c in claims if c.balance > 0 and c.id not in ids]
        shares, credit = allocation_plan(amount - due, rest, seen.line.booking_date)
        cited += [claim for claim, _share in shares]
        where = "les factures les plus anciennes" if shares else ""
        if credit:
            where += (" puis " if where else "") + f"un crédit de {seen.money(credit)}"
        detail = f"Montant supérieur de {seen.money(amount - due)} aux factures citées : {where}"
        reasons.append(reason("above_reference", detail, ABOVE_REFERENCES))
        detail = "Le surplus n'est imputé sur aucune facture citée : à vérifier"
        reasons.append(reason("unexplained", detail, UNEXPLAINED))
    return Candidate(debtor_id, creditor_id, cited, reasons, seen.designated(cited))


def _from_amount(
    seen: _Reading,
    debtor_id: int,
    creditor_id: int,
    claims: list[OpenClaim],
    partial: bool,
    need: int = 0,
) -> Iterator[Candidate]:
    """What the amount says about an identified debtor's open claims (oldest first).

    Combinations and partial payments are only looked for when their points reach `need`.
    """
    amount, excluded = seen.line.amount_cents, seen.excluded
    same = [c for c in claims if c.balance == amount]
    if same and excluded:
        same = [c for c in same if frozenset((c.id,)) not in excluded]
    if same:
        yield _exact_amount(seen, debtor_id, creditor_id, same)
        return
    if need > COMBINATION:
        return
    total = sum(c.balance for c in claims)
    if amount == total and len(claims) > 1 and frozenset(c.id for c in claims) not in excluded:
        detail = f"Montant égal au total dû ({len(claims)} factures : {_refs(claims)})"
        reasons = [reason("amount_total", detail, COMBINATION)]
        yield Candidate(debtor_id, creditor_id, list(claims), reasons, seen.designated(claims))
        return
    combination = _combination(claims, amount, excluded)
    if combination is not None:
        chosen, several = combination
        detail = f"Montant égal au total des factures {_refs(chosen)}"
        if several:
            detail += " (d'autres combinaisons conviennent : la plus ancienne est proposée)"
        points = COMBINATION_SEVERAL if several else COMBINATION
        reasons = [reason("amount_combination", detail, points)]
        if several:
            detail = "Plusieurs groupes de factures font ce montant : lequel ? À vérifier"
            reasons.append(reason("unexplained", detail, UNEXPLAINED))
        yield Candidate(debtor_id, creditor_id, chosen, reasons, seen.designated(chosen))
        return
    if not partial or need > PARTIAL:
        return
    designated = seen.designated(claims)
    shares, credit = allocation_plan(amount, claims, seen.line.booking_date, designated)
    chosen = [claim for claim, _share in shares]
    if not chosen or frozenset(c.id for c in chosen) in excluded:
        return
    if credit:
        detail = f"Montant supérieur au total dû ({seen.money(total)}) : trop-perçu de "
        reasons = [reason("overpayment", detail + seen.money(credit), OVERPAYMENT)]
        detail = "Plus que le total dû : un autre paiement, un remboursement ? À vérifier"
        reasons.append(reason("unexplained", detail, GUESS))
    else:
        detail = (
            f"Paiement partiel ({seen.money(amount)} sur {seen.money(total)} dus) imputé sur les "
            f"factures les plus anciennes : {_refs(chosen)}"
        )
        reasons = [reason("partial", detail, PARTIAL)]
        detail = "Aucune facture citée ni de ce montant : un acompte ? À vérifier"
        reasons.append(reason("unexplained", detail, GUESS))
    yield Candidate(debtor_id, creditor_id, chosen, reasons, seen.designated(chosen))


def _exact_amount(
    seen: _Reading, debtor_id: int, creditor_id: int, same: list[OpenClaim]
) -> Candidate:
    """One claim whose balance is the amount: the one the payer nearly wrote, or the oldest."""
    # the payer wrote another existing reference, one character away from one of these
    slips = [(c, w) for c in same if c.id not in seen.cited and (w := _slip(c, seen.written))]
    slips += [(c, w) for c in same if (w := _short_slip(c, seen.numbers))]
    claim, slip = slips[0] if slips else (same[0], None)
    if len(same) == 1:
        detail = f"Montant égal au solde de la facture {claim.reference}"
        reasons = [reason("amount_exact", detail, AMOUNT_EXACT)]
    elif slip:
        detail = f"Montant égal au solde de {len(same)} factures, dont {claim.reference}"
        reasons = [reason("amount_exact", detail, AMOUNT_EXACT_SEVERAL)]
    else:
        detail = (
            f"Montant égal au solde de {len(same)} factures : la plus ancienne, "
            f"{claim.reference}, est proposée"
        )
        reasons = [reason("amount_exact", detail, AMOUNT_EXACT_SEVERAL)]
    if slip:
        detail = (
            f"Référence {claim.reference} à un caractère près de « {slip} », écrite par le payeur"
        )
        reasons.append(reason("reference_typo", detail, REFERENCE_TYPO))
    elif other := [
        n for n in seen.numbers if n != short_number(core(reference_key(claim.reference)))
    ]:
        numbers = ", ".join(other[:3])
        detail = f"Le libellé cite {numbers}, qui n'est pas le numéro de {claim.reference}"
        reasons.append(reason("unexplained", detail, UNEXPLAINED))
    return Candidate(debtor_id, creditor_id, [claim], reasons, claim)


CUT_LABEL = 130  # a label this long may have lost references at the end


def _cut_short(
    seen: _Reading, cited: list[OpenClaim], claims: list[OpenClaim], surplus: int
) -> list[OpenClaim]:
    """When a long label ends mid-reference: the claims numbered after the last one cited
    whose balances make up the surplus, if one combination of them does."""
    if len(seen.line.label) < CUT_LABEL:
        return []
    ids = {c.id for c in cited}
    last = max(reference_key(c.reference) for c in cited)
    after = sorted(
        (
            c
            for c in claims
            if c.id not in ids and c.balance > 0 and reference_key(c.reference) > last
        ),
        key=lambda c: reference_key(c.reference),
    )
    one = [c for c in after if c.balance == surplus]
    if one:
        return one[:1]
    found = _combination(after, surplus, seen.excluded)
    return found[0] if found is not None and not found[1] else []


def _unexplained(written: list[str], claims: Sequence[OpenClaim]) -> list[str]:
    """The invoice numbers of `written` that are not one of `claims`' references, even
    one character away (a slip: "FA2026-30162" for FA2026-30182)."""
    if not written:
        return []
    keys = {core(reference_key(c.reference)) for c in claims}
    keys |= {short_number(k) for k in keys} - {""}
    return [
        w
        for w in written
        if not any(OSA.distance(core(reference_key(w)), k, score_cutoff=1) <= 1 for k in keys)
    ]


def _short_slip(claim: OpenClaim, numbers: list[str]) -> str | None:
    """A number of the label one typo away from the claim's number without its year."""
    if not numbers:
        return None
    short = short_number(core(reference_key(claim.reference)))
    if not short:
        return None
    return next((n for n in numbers if OSA.distance(short, n, score_cutoff=1) == 1), None)


def _slip(claim: OpenClaim, written: set[str]) -> str | None:
    if not written:
        return None
    key = core(reference_key(claim.reference))
    if len(key) < TYPO_MIN_LENGTH:
        return None
    return next((w for w in written if Levenshtein.distance(key, w, score_cutoff=1) == 1), None)


def _subset_sums(claims: Sequence[OpenClaim]) -> list[int]:
    """Sum of every subset: index bit k set = the k-th claim included."""
    sums = [0]
    for claim in claims:
        sums += [s + claim.balance for s in sums]
    return sums


def _combination(
    claims: list[OpenClaim], amount: int, excluded: Collection[frozenset[int]]
) -> tuple[list[OpenClaim], bool] | None:
    """Two or more of the 12 oldest claims whose balances add up to `amount`, if any.

    The 4096 combinations are searched meet-in-the-middle: the 64 sums of each half, and
    a dict of the second half's, so a miss costs about 200 operations, not 4096.
    """
    pool = claims[:MAX_COMBINATION_CLAIMS]
    if len(pool) < 2 or amount > sum(c.balance for c in pool):
        return None
    half = len(pool) // 2
    high: dict[int, list[int]] = {}
    for mask, total in enumerate(_subset_sums(pool[half:])):
        if total <= amount:
            high.setdefault(total, []).append(mask)
    masks = [
        low | rest << half
        for low, total in enumerate(_subset_sums(pool[:half]))
        if total <= amount
        for rest in high.get(amount - total, ())
    ]
    options = []
    for mask in masks:
        if mask & (mask - 1):  # two claims or more: one alone is the exact-amount case
            chosen = [c for k, c in enumerate(pool) if mask >> k & 1]
            if frozenset(c.id for c in chosen) not in excluded:
                bits = [k for k in range(len(pool)) if mask >> k & 1]
                options.append((len(chosen), bits, chosen))
    if not options:
        return None
    options.sort(key=lambda o: (o[0], o[1]))  # fewest claims, then the oldest ones
    several = len(options) > 1 and options[1][0] == options[0][0]
    return options[0][2], several


def allocation_plan(
    amount: int,
    claims: Sequence[OpenClaim],
    paid_on: date,
    designated: OpenClaim | None = None,
) -> tuple[list[tuple[OpenClaim, Allocation]], int]:
    """How the law splits `amount` over `claims`: (claim, share) pairs, and the credit.

    C. civ. 1342-10: the claim the payer designated first, then due claims before the
    others, the oldest first (law.allocation); what exceeds every claim is a credit.
    """
    if len(claims) == 1:  # one debt: it takes what it owes, the rest is a credit
        claim = claims[0]
        paid = min(amount, max(claim.balance, 0))
        shares = [(claim, Allocation(str(claim.id), to_principal=paid))] if paid else []
        return shares, amount - paid
    reached = _reached(amount, claims, designated)
    by_ref = {str(c.id): c for c in reached}
    debts = [
        Debt(ref=str(c.id), principal_cents=max(c.balance, 0), due_date=c.due_date) for c in reached
    ]
    split = allocate_payment(
        amount,
        debts,
        designated_ref=str(designated.id) if designated is not None else None,
        paid_on=paid_on,
    )
    credit = sum(s.to_credit for s in split if s.debt_ref is None)
    return [(by_ref[s.debt_ref], s) for s in split if s.debt_ref is not None], credit


def _reached(
    amount: int, claims: Sequence[OpenClaim], designated: OpenClaim | None
) -> list[OpenClaim]:
    """The claims a payment of `amount` reaches, so the law splits it over a few, not 100.

    Claims carry no rate here, so the law's order between them is the due date (a claim
    not yet due has a later due date than every due one); claims due the same day share
    pro rata, so the last group reached is taken whole. The law then splits the amount.
    """
    rest = amount
    reached = []
    if designated is not None:
        reached.append(designated)
        rest -= max(designated.balance, 0)
    last_due = None
    for claim in sorted(claims, key=lambda c: (c.due_date, c.id)):
        if claim is designated:
            continue
        if rest <= 0 and claim.due_date != last_due:
            break
        reached.append(claim)
        rest -= max(claim.balance, 0)
        last_due = claim.due_date
    return reached


def by_direct_debit(line: Line) -> bool:
    """A SEPA direct debit carries its mandate reference; any other credit is a transfer."""
    return bool(line.mandate_reference)


def payment_reference(line: Line) -> str:
    """A payment's reference, as the bank line tells it."""
    return (line.reference or line.end_to_end_id)[:100]


def payment_events(
    line: Line, shares: Sequence[tuple[OpenClaim, Allocation]], credit: int, how: str
) -> list[tuple[int, str]]:
    """The timeline entries of a payment, one per case touched (case id, text): amount,
    the claims it pays, who matched it. Built where the split is known: in the process
    that decides, for the matches it applies."""
    per_case: dict[int, list[str]] = {}
    for claim, share in shares:
        if claim.case_id is not None:
            part = f"{claim.reference} ({format_amount(share.total, line.currency)})"
            per_case.setdefault(claim.case_id, []).append(part)
    method = "prélèvement SEPA" if by_direct_debit(line) else "virement"
    reference = payment_reference(line)
    head = (
        f"Paiement de {format_amount(line.amount_cents, line.currency)} reçu le "
        f"{line.booking_date:%d/%m/%Y} ({method}{f', réf. {reference}' if reference else ''})"
    )
    tail = ""
    if credit:
        tail = f" Trop-perçu de {format_amount(credit, line.currency)} porté au crédit du débiteur."
    return [
        (case_id, f"{head} imputé sur {', '.join(parts)} — {how}.{tail}")
        for case_id, parts in per_case.items()
    ]


def designated_claim(line: Line, claims: Sequence[OpenClaim]) -> OpenClaim | None:
    """The claim the payer designated: the only one of `claims` cited in the text."""
    if len(claims) < 2:
        return claims[0] if claims else None
    cited = ReferenceIndex(claims).find(remittance_text(line))
    return cited[0].claim if len(cited) == 1 else None
