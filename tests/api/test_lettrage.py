"""Lettrage through the API: bank lines, match proposals, and accepting, changing or
rejecting a proposal, as on the queue page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import override_settings

from recouvra.api.models import Scope
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.imports.models import BankAccount, BankLine, BankLineStatus, ImportBatch
from recouvra.ledger.models import Claim, Payment
from recouvra.lettrage.models import MatchProposal, ProposalStatus

from ..base import make_claim, make_creditor, make_debtor
from .base import ApiTestCase
from .test_imports import CFONB, ImportsApiTestCase


class LettrageTestCase(ApiTestCase):
    """A pending proposal of a 500 € credit for Dubois's FA-Q-1, with Dubois's FA-Q-2 as
    the engine's second best."""

    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim(self.creditor, self.debtor, 50_000, reference="FA-Q-1")
        self.other_claim = make_claim(self.creditor, self.debtor, 50_000, reference="FA-Q-2")
        self.batch = ImportBatch.objects.create(
            organization=self.alpha,
            filename="releve.cfo",
            file=ContentFile(b"x", name="releve.cfo"),
            sha256="1" * 64,
        )
        self.account = BankAccount.objects.create(organization=self.alpha, identifier="FR76ALPHA")
        self.line = self.bank_line(50_000, "VIR DUBOIS FA Q 1", date(2026, 3, 2))
        self.proposal = MatchProposal.objects.create(
            organization=self.alpha,
            bank_line=self.line,
            debtor=self.debtor,
            score=70,
            reasons=[{"signal": "reference", "detail": "FA-Q-1 dans le libellé", "points": 60}],
            alternatives=[
                {
                    "debtor_id": self.debtor.pk,
                    "claim_ids": [self.other_claim.pk],
                    "score": 40,
                    "reasons": [{"signal": "amount", "detail": "même montant", "points": 30}],
                }
            ],
        )
        self.proposal.claims.add(self.claim)

    def bank_line(self, cents: int, label: str, booked: date, **extra: Any) -> BankLine:
        extra.setdefault("status", BankLineStatus.PROPOSED)
        return BankLine.objects.create(
            organization=self.alpha,
            account=self.account,
            batch=self.batch,
            booking_date=booked,
            amount_cents=cents,
            label=label,
            fingerprint=label,
            **extra,
        )

    def balance(self, claim: Claim) -> int:
        return Claim.objects.with_balance().get(pk=claim.pk).balance

    def decide(self, decision: str, body: Any = None, **kwargs: Any) -> Any:
        return self.post(f"match-proposals/{self.proposal.pk}/{decision}", body, **kwargs)


class BankLinesTestCase(LettrageTestCase):
    def test_a_bank_line_reads_with_its_account(self) -> None:
        found = self.get(f"bank-lines/{self.line.pk}").json()
        self.assertEqual((found["amount_cents"], found["status"]), (50_000, "proposed"))
        self.assertEqual(found["account"]["identifier"], "FR76ALPHA")
        self.assertEqual(found["batch"], self.batch.pk)

    def test_bank_lines_filter_by_status_date_and_amount(self) -> None:
        debit = self.bank_line(-1_299, "PRLV EDF", date(2026, 3, 5), status="unmatched")
        late = self.bank_line(7_000, "VIR MARTIN", date(2026, 4, 1), status="unmatched")

        def ids(query: str) -> list[int]:
            response = self.get(f"bank-lines?{query}")
            self.assertEqual(response.status_code, 200, response.content[:300])
            return sorted(line["id"] for line in response.json()["results"])

        self.assertEqual(ids("status=unmatched"), sorted([debit.pk, late.pk]))
        self.assertEqual(
            ids("booking_date_after=2026-03-01&booking_date_before=2026-03-31"),
            sorted([self.line.pk, debit.pk]),
        )
        self.assertEqual(ids("amount_min=0&amount_max=10000"), [late.pk])
        self.assertEqual(ids("amount_cents=-1299"), [debit.pk])
        self.assertEqual(ids(f"account={self.account.pk}&batch={self.batch.pk}"), ids(""))

    def test_a_bad_filter_value_is_a_400(self) -> None:
        self.assertProblem(self.get("bank-lines?booking_date_after=demain"), 400)


class ProposalsTestCase(LettrageTestCase):
    def test_a_proposal_reads_with_its_claims_score_reasons_and_alternatives(self) -> None:
        found = self.get(f"match-proposals/{self.proposal.pk}").json()
        self.assertEqual((found["status"], found["score"]), ("pending", 70))
        self.assertEqual(found["bank_line"]["id"], self.line.pk)
        self.assertEqual(
            [(c["reference"], c["balance_cents"]) for c in found["claims"]], [("FA-Q-1", 50_000)]
        )
        self.assertEqual(found["reasons"][0]["signal"], "reference")
        alternative = found["alternatives"][0]
        self.assertEqual((alternative["claims"], alternative["score"]), ([self.other_claim.pk], 40))

    def test_proposals_filter_by_status_bank_line_and_debtor(self) -> None:
        other = make_debtor(self.alpha, "Garage Lefèvre")
        self.assertEqual(len(self.get("match-proposals?status=pending").json()["results"]), 1)
        self.assertEqual(self.get("match-proposals?status=applied").json()["results"], [])
        found = self.get(f"match-proposals?bank_line={self.line.pk}").json()["results"]
        self.assertEqual([p["id"] for p in found], [self.proposal.pk])
        self.assertEqual(self.get(f"match-proposals?debtor={other.pk}").json()["results"], [])


class DecisionsTestCase(LettrageTestCase):
    def test_accepting_records_the_payment_and_settles_the_claim(self) -> None:
        response = self.decide("accept")
        self.assertEqual(response.status_code, 200, response.content[:500])
        found = response.json()
        self.assertEqual(found["status"], "applied")
        payment = Payment.objects.get()
        self.assertEqual((found["payment"], payment.amount_cents), (payment.pk, 50_000))
        self.assertEqual(self.balance(self.claim), 0)
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.MATCHED)

    def test_the_payment_is_audited_with_the_key_as_actor(self) -> None:
        self.decide("accept")
        robot = self.api_key_row(self.key).user
        payment = Payment.objects.get()
        event = AuditEvent.objects.get(
            content_type=ContentType.objects.get_for_model(Payment),
            object_id=str(payment.pk),
            action=AuditAction.CREATE,
        )
        self.assertEqual(event.actor_id, robot.pk)
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.decided_by_id, robot.pk)

    def test_accepting_twice_pays_once(self) -> None:
        first = self.decide("accept").json()
        again = self.decide("accept")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["payment"], first["payment"])
        self.assertEqual(Payment.objects.count(), 1)

    def test_a_decided_proposal_cannot_be_decided_otherwise(self) -> None:
        self.decide("accept")
        problem = self.assertProblem(self.decide("reject"), 409)
        self.assertIn("en attente", problem["detail"])
        self.assertProblem(self.decide("change", {"claims": [self.other_claim.pk]}), 409)
        self.assertEqual(Payment.objects.count(), 1)

    def test_changing_settles_the_claims_chosen_instead(self) -> None:
        response = self.decide("change", {"claims": [self.other_claim.pk]})
        self.assertEqual(response.status_code, 200, response.content[:500])
        found = response.json()
        self.assertEqual([c["id"] for c in found["claims"]], [self.other_claim.pk])
        self.assertEqual(found["reasons"][0]["signal"], "manual")
        self.assertEqual(self.balance(self.other_claim), 0)
        self.assertEqual(self.balance(self.claim), 50_000)

    def test_a_claim_of_another_organisation_cannot_be_chosen(self) -> None:
        beta_claim = make_claim(
            make_creditor(self.beta, "Créancier de Beta"),
            make_debtor(self.beta, "Débiteur de Beta"),
            reference="FB-1",
        )
        self.assertProblem(self.decide("change", {"claims": [beta_claim.pk]}), 400, "claims")
        self.assertFalse(Payment.objects.exists())

    def test_claims_of_two_cases_are_refused_naming_the_claims(self) -> None:
        elsewhere = make_claim(
            self.creditor, make_debtor(self.alpha, "Garage Lefèvre"), reference="FG-1"
        )
        problem = self.assertProblem(
            self.decide("change", {"claims": [self.claim.pk, elsewhere.pk]}), 400, "claims"
        )
        self.assertIn("un seul dossier", problem["errors"][0]["message"])
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, ProposalStatus.PENDING)

    def test_a_change_needs_claims_as_integers(self) -> None:
        self.assertProblem(self.decide("change", {"claims": []}), 400, "claims")
        self.assertProblem(self.decide("change", {"claims": ["FA-Q-2"]}), 400, "claims.0")
        self.assertProblem(self.decide("change", {"claims": [1], "note": "x"}), 400, "note")

    def test_rejecting_sends_the_line_back_to_the_queue(self) -> None:
        response = self.decide("reject")
        self.assertEqual(response.json()["status"], "rejected")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, BankLineStatus.UNMATCHED)
        self.assertEqual(self.decide("reject").status_code, 200)  # said twice, done once
        self.assertProblem(self.decide("accept"), 409)
        self.assertFalse(Payment.objects.exists())


class IsolationAndScopesTestCase(LettrageTestCase):
    def test_another_organisation_sees_and_decides_nothing(self) -> None:
        other = self.charlie_key
        self.assertProblem(self.get(f"bank-lines/{self.line.pk}", key=other), 404)
        self.assertProblem(self.get(f"match-proposals/{self.proposal.pk}", key=other), 404)
        self.assertEqual(self.get("bank-lines", key=other).json()["results"], [])
        self.assertEqual(self.get("match-proposals", key=other).json()["results"], [])
        for decision in ("accept", "reject"):
            self.assertProblem(self.decide(decision, key=other), 404)
        self.assertProblem(self.decide("change", {"claims": [self.claim.pk]}, key=other), 404)
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, ProposalStatus.PENDING)

    def test_only_a_key_with_the_payments_scope_decides(self) -> None:
        writer = self.key_with([Scope.READ, Scope.WRITE, Scope.IMPORTS], name="sans paiements")
        self.assertProblem(self.decide("accept", key=writer), 403)
        self.assertProblem(self.decide("reject", key=writer), 403)
        self.assertEqual(
            self.get(f"match-proposals/{self.proposal.pk}", key=writer).status_code, 200
        )
        payer = self.key_with([Scope.PAYMENTS], name="paiements seulement")
        self.assertEqual(self.decide("accept", key=payer).status_code, 200)

    def test_a_key_restricted_to_a_mandant_reads_its_proposals_and_decides_nothing(self) -> None:
        mandant = self.key_with([Scope.READ, Scope.PAYMENTS], name="mandant", mandant=self.creditor)
        self.assertEqual(
            self.get(f"match-proposals/{self.proposal.pk}", key=mandant).status_code, 200
        )
        self.assertProblem(self.decide("accept", key=mandant), 403)
        self.assertEqual(self.get("bank-lines", key=mandant).json()["results"], [])

    def test_a_mandant_key_sees_only_its_claims_among_the_alternatives(self) -> None:
        hidden = make_claim(make_creditor(self.alpha, "Autre mandant"), self.debtor, reference="Z")
        self.proposal.alternatives = [
            {"debtor_id": self.debtor.pk, "claim_ids": [hidden.pk], "score": 30, "reasons": []}
        ]
        self.proposal.save()
        mandant = self.key_with([Scope.READ], name="mandant", mandant=self.creditor)
        found = self.get(f"match-proposals/{self.proposal.pk}", key=mandant).json()
        self.assertEqual(found["alternatives"][0]["claims"], [])
        self.assertIsNone(found["alternatives"][0]["debtor"])
        self.assertEqual(
            self.get(f"match-proposals/{self.proposal.pk}").json()["alternatives"][0]["claims"],
            [hidden.pk],
        )


@override_settings(RECONCILE_AUTO_THRESHOLD=101)  # every match waits for a decision
class StatementToPaymentTestCase(ImportsApiTestCase):
    def test_an_uploaded_statement_is_proposed_then_accepted(self) -> None:
        dupont = make_debtor(self.alpha, "Dupont SARL")
        claim = make_claim(self.creditor, dupont, 2_500, reference="F2024-001")
        batch_id = self.upload(CFONB, "releve.cfo").json()["id"]
        self.confirm(batch_id)
        lines = self.get(f"bank-lines?batch={batch_id}&amount_min=1").json()["results"]
        dupont_line = next(line for line in lines if "DUPONT" in line["label"])
        self.assertEqual(dupont_line["status"], "proposed")
        found = self.get(f"match-proposals?bank_line={dupont_line['id']}").json()["results"]
        self.assertEqual([c["reference"] for c in found[0]["claims"]], ["F2024-001"])
        accepted = self.post(f"match-proposals/{found[0]['id']}/accept")
        self.assertEqual(accepted.json()["status"], "applied")
        self.assertEqual(Claim.objects.with_balance().get(pk=claim.pk).balance, 0)
