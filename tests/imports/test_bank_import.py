"""Bank statements become bank lines: each movement once, credits queued for matching."""

from __future__ import annotations

from datetime import date

from recouvra.imports.bank_import import import_statement
from recouvra.imports.models import BankLine, BankLineStatus, ImportBatch, ImportKind
from recouvra.imports.records import BankStatement, RowError, StatementAccount, StatementLine
from recouvra.lettrage.reconcile import propose_matches

from ..base import RecouvraTestCase

IBAN = "FR7630006000011234567890189"


def move(day: int, cents: int, label: str = "VIR SEPA DUBOIS", **extra) -> StatementLine:  # noqa: ANN003
    return StatementLine(booking_date=date(2026, 3, day), amount_cents=cents, label=label, **extra)


def statement(*lines: StatementLine, **account) -> BankStatement:  # noqa: ANN003
    account.setdefault("iban", IBAN)
    account.setdefault("currency", "EUR")
    return BankStatement(
        format="camt.053", accounts=[StatementAccount(lines=list(lines), **account)]
    )


class BankImportTestCase(RecouvraTestCase):
    def batch(self) -> ImportBatch:
        return ImportBatch.objects.create(
            organization=self.alpha,
            kind=ImportKind.BANK,
            filename="releve.xml",
            file="imports/releve.xml",
            sha256="0" * 64,
            uploaded_by=self.alice,
        )

    def test_it_imports_each_movement_of_overlapping_statements_once(self) -> None:
        import_statement(self.batch(), statement(move(2, 100), move(3, 200), move(4, 300)))
        again = import_statement(self.batch(), statement(move(3, 200), move(4, 300), move(5, 400)))
        self.assertEqual((again.rows_total, again.rows_created, again.rows_unchanged), (3, 1, 2))
        self.assertEqual(BankLine.objects.count(), 4)

    def test_it_keeps_two_identical_movements_of_one_file(self) -> None:
        twins = statement(move(2, 5_000), move(2, 5_000))
        self.assertEqual(import_statement(self.batch(), twins).rows_created, 2)
        again = import_statement(self.batch(), statement(move(2, 5_000), move(2, 5_000)))
        self.assertEqual((again.rows_created, again.rows_unchanged), (0, 2))
        self.assertEqual(BankLine.objects.count(), 2)

    def test_it_tells_movements_apart_by_their_end_to_end_id(self) -> None:
        lines = statement(
            move(2, 5_000, end_to_end_id="E2E-1"), move(2, 5_000, end_to_end_id="E2E-2")
        )
        import_statement(self.batch(), lines)
        again = import_statement(self.batch(), statement(move(2, 5_000, end_to_end_id="E2E-2")))
        self.assertEqual((again.rows_created, BankLine.objects.count()), (0, 2))

    def test_it_flags_an_account_whose_balances_do_not_add_up(self) -> None:
        unbalanced = statement(
            move(2, 3_000), opening_balance_cents=10_000, closing_balance_cents=14_000
        )
        batch = import_statement(self.batch(), unbalanced)
        self.assertIn(f"Compte {IBAN} : le relevé ne s'équilibre pas", batch.message)
        self.assertIn("écart de -10,00\u00a0€", batch.message)

    def test_it_says_nothing_of_a_balanced_account(self) -> None:
        balanced = statement(move(2, 3_000), opening_balance_cents=0, closing_balance_cents=3_000)
        self.assertEqual(import_statement(self.batch(), balanced).message, "")

    def test_it_keeps_the_parsers_warnings_and_rejected_rows(self) -> None:
        parsed = statement(move(2, 3_000))
        parsed.warnings.append("2 mouvements non comptabilisés ignorés")
        parsed.errors.append(RowError(12, "amount", "montant illisible"))
        batch = import_statement(self.batch(), parsed)
        self.assertIn("2 mouvements non comptabilisés ignorés", batch.message)
        self.assertEqual(list(batch.row_errors.values_list("line", "field")), [(12, "amount")])
        self.assertEqual(batch.rows_invalid, 1)

    def test_it_stores_debits_outside_the_matching_queue(self) -> None:
        import_statement(
            self.batch(), statement(move(2, -4_500, "FRAIS BANCAIRES"), move(3, 4_500))
        )
        statuses = dict(BankLine.objects.values_list("amount_cents", "status"))
        self.assertEqual(
            statuses, {-4_500: BankLineStatus.IGNORED, 4_500: BankLineStatus.UNMATCHED}
        )

    def test_debits_are_never_proposed_for_matching(self) -> None:
        import_statement(self.batch(), statement(move(2, -125_000, "VIR MENUISERIE DUBOIS")))
        self.assertEqual(propose_matches(self.alpha.pk), [])

    def test_it_creates_the_bank_account_once(self) -> None:
        import_statement(self.batch(), statement(move(2, 100)))
        import_statement(
            self.batch(), statement(move(3, 100), iban="FR76 3000 6000 0112 3456 7890 189")
        )
        self.assertEqual(BankLine.objects.values("account").distinct().count(), 1)
