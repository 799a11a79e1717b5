"""The demo ships a bank statement that exercises automatic and proposed matches."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.test import TestCase

from recouvra.core.models import Organization
from recouvra.demo.builder import build_demo
from recouvra.demo.organisations import COMPANY_NAME
from recouvra.demo.statement import demo_statement
from recouvra.imports.bank_import import import_statement
from recouvra.imports.models import BankLine, ImportBatch
from recouvra.imports.parsers.cfonb120 import parse_cfonb120
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact, ProposalStatus
from recouvra.lettrage.reconcile import propose_matches


class DemoStatementTestCase(TestCase):
    def test_it_gives_automatic_matches_proposals_and_a_stranger(self) -> None:
        build_demo(scale=0.2)
        org = Organization.objects.get(name=COMPANY_NAME)
        data = demo_statement(COMPANY_NAME).encode("ascii")
        statement = parse_cfonb120(data, filename="releve-batimat.cfo")
        self.assertTrue(statement.accounts[0].balanced)
        batch = ImportBatch.objects.create(
            organization=org,
            filename="releve-batimat.cfo",
            file=ContentFile(data, name="releve-batimat.cfo"),
            sha256="2" * 64,
        )
        import_statement(batch, statement)
        propose_matches(org.pk, BankLine.objects.filter(batch=batch))
        statuses = set(MatchProposal.objects.values_list("status", flat=True))
        self.assertIn(ProposalStatus.APPLIED, statuses)
        self.assertIn(ProposalStatus.PENDING, statuses)
        stranger = BankLine.objects.get(label__contains="INCONNU")
        self.assertFalse(stranger.proposals.exists())
        # the direct debits matched automatically taught their mandates, shown on the
        # debtors' pages
        facts = PayerFact.objects.filter(organization=org, kind=FactKind.MANDATE)
        self.assertTrue(facts.exists())
        self.assertTrue(all(fact.learned_from.status == ProposalStatus.APPLIED for fact in facts))
