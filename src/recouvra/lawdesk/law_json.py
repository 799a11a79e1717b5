"""Text in, JSON out: what the `law` management command (`recouvra law ...`) prints.

One `*_report` function per subcommand: it reads the command-line strings, calls
recouvra.law with the rates of `rate_tables()` (packaged tables plus the rates entered
in Paramètres → Taux; unverified rates are used and reported with "verified": false)
and returns a dict for `dumps`: dates in ISO, rates as Decimal strings, every amount as
{"cents": 12345, "display": "123,45 €"}.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import DatabaseError

from recouvra.law import deadlines, garnishment, prescription
from recouvra.law import statement as law_statement
from recouvra.law.allocation import DEFAULT_ORDER, Allocation, Debt, allocate_payment
from recouvra.law.fees import recovery_fees
from recouvra.law.interest import (
    ContractualRateTooLow,
    InterestPeriod,
    InterestResult,
    late_payment_interest,
    legal_interest,
)
from recouvra.law.money import AmountError, format_amount, parse_amount
from recouvra.law.procedure import Recommendation, recommend_procedure
from recouvra.law.rates import RateTables
from recouvra.law.tables import RateUnavailable, threshold_cents

from .rates import rate_tables

Json = dict[str, Any]
T = TypeVar("T")

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class LawCommandError(Exception):
    """A value the command cannot use, with a code and what to tell a French user."""

    def __init__(self, code: str, message_fr: str) -> None:
        super().__init__(message_fr)
        self.code = code
        self.message_fr = message_fr


# ---------------------------------------------------------------- JSON out


def money(cents: int) -> Json:
    return {"cents": cents, "display": format_amount(cents)}


def dumps(data: Json) -> str:
    """UTF-8 friendly, indented JSON; dates in ISO, Decimals as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def _default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def error_json(exc: Exception) -> Json:
    """{"error": code, "message_fr": ...} for every error the command reports."""
    if isinstance(exc, LawCommandError):
        return {"error": exc.code, "message_fr": exc.message_fr}
    if isinstance(exc, RateUnavailable):
        return {
            "error": "rate_unavailable",
            "message_fr": exc.message_fr,
            "detail": str(exc),
            "what": exc.what,
            "on": str(exc.on),
            "reason": exc.reason,
        }
    if isinstance(exc, ContractualRateTooLow):
        return {
            "error": "contractual_rate_too_low",
            "message_fr": (
                f"Taux contractuel de {_fr(exc.rate)} % inférieur au plancher légal de "
                f"{_fr(exc.floor.percent)} % (3 × le taux de l'intérêt légal) pour "
                f"{exc.floor.semester} (C. com. L441-10 II)."
            ),
            "detail": str(exc),
            "floor": exc.floor.percent,
            "semester": exc.floor.semester,
        }
    said = getattr(exc, "message_fr", None)  # DateOutOfRange says it in French itself
    return {
        "error": "invalid_argument",
        "message_fr": str(said) if said else f"Données refusées : {exc}",
        "detail": str(exc),
    }


def _fr(number: Decimal) -> str:
    return str(number).replace(".", ",")


def interest_json(result: InterestResult) -> Json:
    return {
        "principal": money(result.principal_cents),
        "start": result.start,
        "first_day": result.start + timedelta(days=1),
        "until": result.until,
        "day_count": result.day_count,
        "days": result.days,
        "total": money(result.cents),
        "verified": result.verified,
        "periods": [period_json(p) for p in result.periods],
    }


def period_json(period: InterestPeriod) -> Json:
    return {
        "start": period.start,
        "end": period.end,
        "days": period.days,
        "basis": period.basis,
        "rate": period.rate,
        "amount": money(period.cents),
        "label": period.label,
        "verified": period.verified,
    }


def recommendation_json(recommendation: Recommendation) -> Json:
    return dataclasses.asdict(recommendation)


def allocation_json(allocation: Allocation) -> Json:
    return {
        "debt": allocation.debt_ref,
        "fees": money(allocation.to_fees),
        "interest": money(allocation.to_interest),
        "principal": money(allocation.to_principal),
        "total": money(allocation.total),
    }


def limitation_json(found: prescription.Limitation) -> Json:
    restarted = found.restarted_by
    return {
        "kind": found.kind,
        "article": prescription.KINDS[found.kind][1],
        "years": found.years,
        "ends_on": found.ends_on,
        "restarted_by": None
        if restarted is None
        else {
            "on": restarted.on,
            "kind": restarted.kind,
            "article": prescription.INTERRUPTING[restarted.kind],
        },
        "ends_on_non_working_day": found.ends_on_non_working_day,
        "long_stop_applied": found.long_stop_applied,
    }


def floor_json(row: garnishment.BalanceFloor) -> Json:
    return {
        "amount": money(row.cents),
        "effective_on": row.effective_on,
        "verified": row.verified,
        "source": row.source,
        "notes": row.notes,
    }


def statement_json(found: law_statement.Statement) -> Json:
    """A décompte: each claim with its interest periods (at the legal floor when the
    contractual rate was set aside), its fees and payments, and the totals."""
    return {
        "as_of": found.as_of,
        "day_count": found.day_count,
        "allocation_order": list(found.allocation_order),
        "allocation_order_fr": found.allocation_order_fr,
        "claims": [statement_line_json(line) for line in found.lines],
        "principal": money(found.principal_cents),
        "interest": money(found.interest_cents),
        "fees": money(found.fees_cents),
        "paid": money(found.paid_cents),
        "credit": money(found.credit_cents),
        "balance": money(found.balance_cents),
        "verified": found.verified,
        "missing_rates": [missing_rate_json(m) for m in found.missing_rates],
        "below_floor": [line.claim.ref for line in found.below_floor],
    }


def statement_line_json(line: law_statement.StatementLine) -> Json:
    claim = line.claim
    return {
        "ref": claim.ref,
        "issue_date": claim.issue_date,
        "due_date": claim.due_date,
        "debtor_is_professional": claim.debtor_is_professional,
        "creditor_is_consumer": claim.creditor_is_consumer,
        "contractual_rate": claim.contractual_rate,
        "currency": claim.currency,
        "basis": line.basis,
        "interest_until": line.interest_until,
        "interest_periods": [
            {**period_json(p), "refused_rate": p.refused_rate} for p in line.interest_periods
        ],
        "principal": money(claim.principal_cents),
        "interest": money(line.interest_cents),
        "fees": money(line.fees_cents),
        "payments": [
            {
                "payment": p.payment_ref,
                "received_on": p.received_on,
                "fees": money(p.to_fees),
                "interest": money(p.to_interest),
                "principal": money(p.to_principal),
                "total": money(p.total),
            }
            for p in line.payments
        ],
        "principal_due": money(line.principal_due),
        "interest_due": money(line.interest_due),
        "fees_due": money(line.fees_due),
        "balance": money(line.balance_cents),
        "verified": line.verified,
        "missing_rate": None if line.missing_rate is None else missing_rate_json(line.missing_rate),
        "floor_spans": [
            {"start": s.start, "end": s.end, "floor": s.floor, "refused_rate": s.refused_rate}
            for s in line.floor_spans
        ],
        "floor_mention_fr": line.floor_mention_fr,
    }


def missing_rate_json(missing: RateUnavailable) -> Json:
    return {
        "what": missing.what,
        "on": str(missing.on),
        "reason": missing.reason,
        "message_fr": missing.message_fr,
    }


# ---------------------------------------------------------------- text in


def parse_date(text: str, option: str) -> date:
    """ISO (2026-03-31) or French (31/03/2026) notation."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise LawCommandError(
            "invalid_date", f"{option} : date invalide « {text} » (AAAA-MM-JJ ou JJ/MM/AAAA)."
        ) from None


def parse_cents(text: str, option: str) -> int:
    """French or ISO notation ("1 234,56", "1234.56") → cents."""
    try:
        return parse_amount(text)
    except AmountError:
        raise LawCommandError(
            "invalid_amount",
            f"{option} : montant invalide « {text} » (par exemple 1 234,56 ou 1234.56).",
        ) from None


def parse_percent(text: str, option: str) -> Decimal:
    """A rate in percent a year: "10", "12,15", "7.86 %"."""
    try:
        value = Decimal(re.sub(r"[\s%]", "", text).replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise LawCommandError("invalid_rate", f"{option} : taux invalide « {text} ».")
    return value


def parse_debt(spec: str) -> Debt:
    """REF:PRINCIPAL[:INTEREST[:FEES[:DUE_DATE[:RATE]]]]; empty fields take their default."""
    ref, *fields = spec.split(":")
    if not ref or not fields or len(fields) > 5:
        raise LawCommandError(
            "invalid_debt",
            f"--debt : « {spec} » n'est pas de la forme "
            "REF:PRINCIPAL[:INTÉRÊTS[:FRAIS[:ÉCHÉANCE[:TAUX]]]].",
        )
    principal, interest, fees, due, rate = [*fields, "", "", "", ""][:5]
    option = f"--debt {ref}"
    return Debt(
        ref=ref,
        principal_cents=parse_cents(principal, option),
        interest_cents=parse_cents(interest, option) if interest else 0,
        fees_cents=parse_cents(fees, option) if fees else 0,
        due_date=parse_date(due, option) if due else None,
        rate=parse_percent(rate, option) if rate else Decimal(0),
    )


def parse_interruption(spec: str) -> prescription.Interruption:
    """KIND:DATE, e.g. acknowledgement:2023-01-10."""
    kind, _, day = spec.partition(":")
    known = sorted([*prescription.INTERRUPTING, *prescription.NO_EFFECT])
    if kind not in known:
        raise LawCommandError(
            "invalid_interruption",
            f"--interruption : type inconnu « {kind} » (attendus : {', '.join(known)}).",
        )
    return prescription.Interruption(parse_date(day, "--interruption"), kind)


def parse_statement_claim(spec: str) -> law_statement.StatementClaim:
    """REF:PRINCIPAL:DUE_DATE[:KIND[:RATE[:ISSUE_DATE]]], KIND b2b (default) or consumer."""
    ref, *fields = spec.split(":")
    if not ref or len(fields) < 2 or len(fields) > 5:
        raise LawCommandError(
            "invalid_claim",
            f"--claim : « {spec} » n'est pas de la forme "
            "REF:PRINCIPAL:ÉCHÉANCE[:b2b|consumer[:TAUX[:DATE_FACTURE]]].",
        )
    principal, due, kind, rate, issue = [*fields, "", "", ""][:5]
    if kind not in ("", "b2b", "consumer"):
        raise LawCommandError(
            "invalid_claim", f"--claim {ref} : type « {kind} » inconnu (b2b ou consumer)."
        )
    option = f"--claim {ref}"
    return law_statement.StatementClaim(
        ref=ref,
        principal_cents=parse_cents(principal, option),
        due_date=parse_date(due, option),
        debtor_is_professional=kind != "consumer",
        issue_date=parse_date(issue, option) if issue else None,
        contractual_rate=parse_percent(rate, option) if rate else None,
    )


def parse_statement_payment(spec: str) -> law_statement.StatementPayment:
    """REF:DATE:AMOUNT[:DESIGNATED_CLAIM_REF]."""
    ref, *fields = spec.split(":")
    if not ref or len(fields) not in (2, 3):
        raise LawCommandError(
            "invalid_payment",
            f"--payment : « {spec} » n'est pas de la forme REF:DATE:MONTANT[:CRÉANCE].",
        )
    received, amount, designated = [*fields, ""][:3]
    option = f"--payment {ref}"
    return law_statement.StatementPayment(
        ref=ref,
        received_on=parse_date(received, option),
        amount_cents=parse_cents(amount, option),
        designated_ref=designated or None,
    )


def parse_statement_event(spec: str) -> law_statement.StatementEvent:
    """KIND:DATE[:CLAIM_REF], KIND one of law.statement.EVENT_KINDS."""
    kind, _, rest = spec.partition(":")
    day, _, ref = rest.partition(":")
    if kind not in law_statement.EVENT_KINDS:
        raise LawCommandError(
            "invalid_event",
            f"--event : type inconnu « {kind} » "
            f"(attendus : {', '.join(law_statement.EVENT_KINDS)}).",
        )
    return law_statement.StatementEvent(kind, parse_date(day, "--event"), ref or None)


def tables() -> RateTables:
    """rate_tables(), or a clear error when the database cannot be read."""
    try:
        return rate_tables()
    except DatabaseError as exc:
        raise LawCommandError(
            "database_unavailable",
            "Base de données inaccessible ou non migrée (lancez « recouvra migrate ») : "
            "les taux saisis dans Paramètres → Taux ne peuvent pas être lus.",
        ) from exc


def flagged(compute: Callable[[bool], T]) -> tuple[T, bool]:
    """compute(allow_unverified) and whether every figure it used is verified."""
    try:
        return compute(False), True
    except RateUnavailable as exc:
        if exc.reason != "unverified":
            raise
    return compute(True), False


# ---------------------------------------------------------------- one report per subcommand
#
# Each `*_report` reads the command line's strings and calls its `*_answer`, which takes
# typed values (cents, dates, Decimals): the API's law endpoints call the same answers, so
# that they answer exactly what the command prints.


def interest_report(
    *, principal: str, due: str, until: str, contractual_rate: str | None, day_count: str, **_: Any
) -> Json:
    cents = parse_cents(principal, "--principal")
    start, end = parse_date(due, "--due"), parse_date(until, "--until")
    rate = (
        None if contractual_rate is None else parse_percent(contractual_rate, "--contractual-rate")
    )
    return interest_answer(cents, start, end, contractual_rate=rate, day_count=day_count)


def interest_answer(
    cents: int, due: date, until: date, *, contractual_rate: Decimal | None, day_count: str
) -> Json:
    result = late_payment_interest(
        cents, due, until, contractual_rate=contractual_rate, day_count=day_count, tables=tables()
    )
    return {
        "kind": "late_payment_interest",
        "article": "C. com. L441-10 II",
        "contractual_rate": contractual_rate,
        **interest_json(result),
    }


def legal_interest_report(
    *,
    principal: str,
    start: str,
    until: str,
    creditor_consumer: bool,
    judgment_enforceable: str | None,
    day_count: str,
    **_: Any,
) -> Json:
    cents = parse_cents(principal, "--principal")
    first, end = parse_date(start, "--from"), parse_date(until, "--until")
    judgment = (
        None
        if judgment_enforceable is None
        else parse_date(judgment_enforceable, "--judgment-enforceable")
    )
    return legal_interest_answer(
        cents,
        first,
        end,
        creditor_consumer=creditor_consumer,
        judgment_enforceable=judgment,
        day_count=day_count,
    )


def legal_interest_answer(
    cents: int,
    start: date,
    until: date,
    *,
    creditor_consumer: bool,
    judgment_enforceable: date | None,
    day_count: str,
) -> Json:
    result = legal_interest(
        cents,
        start,
        until,
        creditor_is_consumer=creditor_consumer,
        judgment_enforceable_on=judgment_enforceable,
        day_count=day_count,
        tables=tables(),
    )
    return {
        "kind": "legal_interest",
        "article": "C. civ. 1231-6 ; CMF L313-2, L313-3",
        "creditor_is_consumer": creditor_consumer,
        "judgment_enforceable_on": judgment_enforceable,
        **interest_json(result),
    }


def fees_report(*, invoices: int, consumer: bool, insolvency: bool, **_: Any) -> Json:
    return fees_answer(invoices, consumer=consumer, insolvency=insolvency)


def fees_answer(invoices: int, *, consumer: bool, insolvency: bool) -> Json:
    cents = recovery_fees(
        invoices, debtor_is_professional=not consumer, debtor_in_insolvency=insolvency
    )
    report: Json = {
        "invoices": invoices,
        "debtor_is_professional": not consumer,
        "debtor_in_insolvency": insolvency,
        "per_invoice": money(threshold_cents("b2b_recovery_indemnity_per_invoice")),
        "fees": money(cents),
        "article": "C. com. L441-10 II ; D441-5",
    }
    if consumer:
        report["reason_fr"] = (
            "Débiteur consommateur : pas d'indemnité forfaitaire, les frais de recouvrement "
            "amiable restent à la charge du créancier (CPCE L111-8)."
        )
    elif insolvency:
        report["reason_fr"] = (
            "Procédure collective ouverte : indemnité non due (C. com. L441-10 II)."
        )
    return report


def deadline_report(
    *, start: str, days: int, months: int, years: int, alsace_moselle: bool, **_: Any
) -> Json:
    first = parse_date(start, "--from")
    return deadline_answer(
        first, days=days, months=months, years=years, alsace_moselle=alsace_moselle
    )


def deadline_answer(
    start: date, *, days: int, months: int, years: int, alsace_moselle: bool
) -> Json:
    ends = deadlines.deadline(
        start, days=days, months=months, years=years, alsace_moselle=alsace_moselle
    )
    # CPC 641 without CPC 642: the day the limit would end before the working-day rule
    raw = deadlines.raw_deadline(start, days=days, months=months, years=years)
    holidays = deadlines.public_holidays(raw.year, alsace_moselle=alsace_moselle)
    return {
        "start": start,
        "days": days,
        "months": months,
        "years": years,
        "alsace_moselle": alsace_moselle,
        "raw_end": raw,
        "raw_end_weekday": WEEKDAYS_FR[raw.weekday()],
        "raw_end_holiday": holidays.get(raw),
        "ends_on": ends,
        "ends_on_weekday": WEEKDAYS_FR[ends.weekday()],
        "extended": ends != raw,
        "article": "CPC 640 à 642",
    }


def limitation_report(
    *, start: str, kind: str, interruption: list[str] | None, alsace_moselle: bool, **_: Any
) -> Json:
    first = parse_date(start, "--from")
    events = [parse_interruption(spec) for spec in interruption or []]
    return limitation_answer(first, kind=kind, interruptions=events, alsace_moselle=alsace_moselle)


def limitation_answer(
    start: date,
    *,
    kind: str,
    interruptions: list[prescription.Interruption],
    alsace_moselle: bool,
) -> Json:
    found = prescription.limitation(
        start, kind=kind, interruptions=interruptions, alsace_moselle=alsace_moselle
    )
    return {"start": start, **limitation_json(found)}


def seizable_wage_report(*, net: str, year: int, dependants: int, on: str | None, **_: Any) -> Json:
    monthly = parse_cents(net, "--net")
    day = None if on is None else parse_date(on, "--on")
    return seizable_wage_answer(monthly, year=year, dependants=dependants, on=day)


def seizable_wage_answer(monthly: int, *, year: int, dependants: int, on: date | None) -> Json:
    seizable, verified = flagged(
        lambda allow: garnishment.seizable_wage(
            monthly, year=year, dependants=dependants, on=on, allow_unverified=allow
        )
    )
    # the RSA seizable_wage used: the one in force on `on`, else on 31 December of `year`
    rsa = garnishment.floor_row(on or date(year, 12, 31))
    return {
        "monthly_net": money(monthly),
        "year": year,
        "dependants": dependants,
        "on": on,
        "seizable": money(seizable),
        "left_to_debtor": money(monthly - seizable),
        "rsa_floor": floor_json(rsa),
        "verified": verified,
        "article": "C. trav. R3252-2 à R3252-5",
    }


def bank_floor_report(*, on: str, **_: Any) -> Json:
    return bank_floor_answer(parse_date(on, "--on"))


def bank_floor_answer(on: date) -> Json:
    return {"on": on, **floor_json(garnishment.floor_row(on)), "article": "CPCE L162-2, R162-2"}


def procedure_report(
    *,
    amount: str,
    consumer_debtor: bool,
    disputed: bool,
    consumer_creditor: bool,
    abroad: bool,
    interest_part: str | None,
    **_: Any,
) -> Json:
    cents = parse_cents(amount, "--amount")
    interest = 0 if interest_part is None else parse_cents(interest_part, "--interest")
    return procedure_answer(
        cents,
        interest_cents=interest,
        consumer_debtor=consumer_debtor,
        disputed=disputed,
        consumer_creditor=consumer_creditor,
        abroad=abroad,
    )


def procedure_answer(
    cents: int,
    *,
    interest_cents: int,
    consumer_debtor: bool,
    disputed: bool,
    consumer_creditor: bool,
    abroad: bool,
) -> Json:
    routes = recommend_procedure(
        cents,
        debtor_is_professional=not consumer_debtor,
        disputed=disputed,
        creditor_is_professional=not consumer_creditor,
        debtor_abroad=abroad,
        interest_cents=interest_cents,
    )
    return {
        "amount": money(cents),
        "interest": money(interest_cents),
        "debtor_is_professional": not consumer_debtor,
        "creditor_is_professional": not consumer_creditor,
        "disputed": disputed,
        "debtor_abroad": abroad,
        "recommendations": [recommendation_json(r) for r in routes],
    }


def allocate_report(
    *, amount: str, debt: list[str], designated: str | None, paid_on: str | None, **_: Any
) -> Json:
    cents = parse_cents(amount, "--amount")
    debts = [parse_debt(spec) for spec in debt]
    day = None if paid_on is None else parse_date(paid_on, "--paid-on")
    return allocate_answer(cents, debts, designated=designated, paid_on=day)


def allocate_answer(
    cents: int, debts: list[Debt], *, designated: str | None, paid_on: date | None
) -> Json:
    allocations = allocate_payment(cents, debts, designated_ref=designated, paid_on=paid_on)
    return {
        "amount": money(cents),
        "paid_on": paid_on,
        "designated": designated,
        "order": list(DEFAULT_ORDER),
        "allocations": [allocation_json(a) for a in allocations if a.debt_ref is not None],
        "credit": money(sum(a.to_credit for a in allocations)),
        "article": "C. civ. 1342-10, 1343-1",
    }


def statement_report(
    *,
    as_of: str,
    claim: list[str],
    payment: list[str] | None,
    event: list[str] | None,
    day_count: str,
    **_: Any,
) -> Json:
    day = parse_date(as_of, "--as-of")
    claims = [parse_statement_claim(spec) for spec in claim]
    payments = [parse_statement_payment(spec) for spec in payment or []]
    events = [parse_statement_event(spec) for spec in event or []]
    return statement_answer(claims, payments, events, as_of=day, day_count=day_count)


def statement_answer(
    claims: list[law_statement.StatementClaim],
    payments: list[law_statement.StatementPayment],
    events: list[law_statement.StatementEvent],
    *,
    as_of: date,
    day_count: str,
) -> Json:
    refs = [c.ref for c in claims]
    if len(set(refs)) != len(refs):
        raise LawCommandError("invalid_claim", "--claim : deux créances ont la même référence.")
    found = law_statement.statement(
        claims, payments, events, as_of=as_of, day_count=day_count, tables=tables()
    )
    return statement_json(found)


REPORTS: dict[str, Callable[..., Json]] = {
    "interest": interest_report,
    "legal-interest": legal_interest_report,
    "fees": fees_report,
    "deadline": deadline_report,
    "limitation": limitation_report,
    "seizable-wage": seizable_wage_report,
    "bank-floor": bank_floor_report,
    "procedure": procedure_report,
    "allocate": allocate_report,
    "statement": statement_report,
}
