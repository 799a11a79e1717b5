"""Import a parsed bank statement into BankLines, each movement stored once per account.

Statements overlap (a monthly file after the daily ones, a re-downloaded period): a
movement is recognised by its fingerprint, so importing it again changes nothing. Two
genuinely identical movements in one file (same day, amount, reference and label) are
told apart by their rank among the identical ones, so both are kept.

Only credits can pay claims: debits (fees, refunds, transfers out) are stored for the
record with the status "ignored", so that the reconciliation never looks at them.
Work is set-based: a few queries per account and per 500 lines, never one per line.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from recouvra.core.bulk import batches
from recouvra.core.search import normalize
from recouvra.law.money import format_amount

from . import messages
from .models import BankAccount, BankLine, BankLineStatus, ImportBatch, ImportRowError
from .records import BankStatement, StatementAccount, StatementLine

CHUNK = 500  # fingerprints per IN (...) query: well under SQLite's variable limit
NOT_PROVIDED = "NOTPROVIDED"  # SEPA's placeholder when the payer gave no end-to-end id


def import_statement(batch: ImportBatch, statement: BankStatement) -> ImportBatch:
    """Store the new lines of `statement` for `batch`; returns the batch with its counts."""
    org_id = batch.organization_id
    warnings: list[str] = []
    created = unchanged = 0
    seen: dict[int, Counter[tuple[str, ...]]] = {}  # per bank account, across the file
    with transaction.atomic():
        for account in statement.accounts:
            bank_account = _bank_account(org_id, account)
            counter = seen.setdefault(bank_account.pk, Counter())
            keyed = [(fingerprint(line, counter), line) for line in account.lines]
            known = _known_fingerprints(bank_account, [key for key, _line in keyed])
            new = [_bank_line(batch, bank_account, key, line) for key, line in keyed]
            new = [line for line in new if line.fingerprint not in known]
            # ignore_conflicts: a concurrent import of an overlapping file may have
            # stored some of these lines since the query above; they stay stored once
            BankLine.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
            created += len(new)
            unchanged += len(keyed) - len(new)
            if account.balanced is False:
                warnings.append(_balance_warning(bank_account, account))
        warnings.extend(statement.warnings)
        ImportRowError.objects.bulk_create(
            ImportRowError(organization_id=org_id, batch=batch, **_error(e))
            for e in statement.errors
        )
        batch.rows_total = sum(len(account.lines) for account in statement.accounts)
        batch.rows_created, batch.rows_unchanged = created, unchanged
        batch.rows_invalid = len(statement.errors)
        batch.message = "\n".join(part for part in (batch.message, *warnings) if part)
        batch.save(
            update_fields=[
                "rows_total",
                "rows_created",
                "rows_unchanged",
                "rows_invalid",
                "message",
                "updated_at",
            ]
        )
    return batch


def fingerprint(line: StatementLine, seen: Counter[tuple[str, ...]]) -> str:
    """sha256 of what identifies a movement, plus its rank among identical ones in this file.

    `seen` counts the tuples met so far for the same account in the same file: the second
    of two identical movements gets rank 1, and so does the same second movement in an
    overlapping file, which is therefore recognised.
    """
    key = (
        line.booking_date.isoformat(),
        str(line.amount_cents),
        _transaction_id(line),
        normalize(line.label),
    )
    rank = seen[key]
    seen[key] += 1
    return hashlib.sha256("\x1f".join((*key, str(rank))).encode()).hexdigest()


def _transaction_id(line: StatementLine) -> str:
    e2e = line.end_to_end_id.strip()
    if e2e and e2e.upper() != NOT_PROVIDED:
        return e2e
    return line.reference.strip()


def _bank_account(org_id: int, account: StatementAccount) -> BankAccount:
    identifier = _compact(account.iban) or account.account.strip() or "?"
    bank_account, _created = BankAccount.objects.get_or_create(
        organization_id=org_id,
        identifier=identifier[:64],
        currency=(account.currency or "EUR").upper(),
    )
    return bank_account


def _known_fingerprints(bank_account: BankAccount, keys: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for chunk in batches(sorted(set(keys))):
        lines = BankLine.objects.filter(account=bank_account, fingerprint__in=chunk)
        known.update(lines.values_list("fingerprint", flat=True))
    return known


def _bank_line(
    batch: ImportBatch, bank_account: BankAccount, key: str, line: StatementLine
) -> BankLine:
    # only credits pay claims: debits are kept for the record, out of the matching queue
    credit = line.amount_cents > 0
    return BankLine(
        organization_id=batch.organization_id,
        account=bank_account,
        batch=batch,
        booking_date=line.booking_date,
        value_date=line.value_date,
        amount_cents=line.amount_cents,
        currency=(line.currency or bank_account.currency).upper()[:3],
        label=line.label,
        reference=line.reference[:140],
        end_to_end_id=line.end_to_end_id[:140],
        mandate_reference=line.mandate_reference[:140],
        counterparty_name=line.counterparty_name[:200],
        counterparty_iban=_compact(line.counterparty_iban)[:34],
        fingerprint=key,
        status=BankLineStatus.UNMATCHED if credit else BankLineStatus.IGNORED,
    )


def _balance_warning(bank_account: BankAccount, account: StatementAccount) -> str:
    def money(cents: int) -> str:
        return format_amount(cents, bank_account.currency)

    opening = account.opening_balance_cents or 0
    movements = sum(line.amount_cents for line in account.lines)
    return (
        f"Compte {bank_account.identifier} : le relevé ne s'équilibre pas : solde initial "
        f"{money(opening)} + mouvements {money(movements)} = {money(opening + movements)}, "
        f"mais solde final {money(account.closing_balance_cents or 0)} "
        f"(écart de {money(account.balance_gap_cents or 0)}). "
        "Des mouvements manquent peut-être : vérifiez le fichier."
    )


def _error(error: Any) -> dict[str, Any]:
    text = messages.reason(error)
    reason = f"{error.file} : {text}" if error.file else text
    return {"line": error.line, "field": error.field[:60], "reason": reason}


def _compact(iban: str) -> str:
    return "".join(iban.split()).upper()
