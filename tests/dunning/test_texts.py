"""What a message says: what is still due, the law's interest and fees, no code run."""

from __future__ import annotations

from datetime import timedelta

from recouvra.dunning.models import Channel, Template
from recouvra.dunning.texts import TemplateError, check, render
from recouvra.ledger.models import ClaimKind, DebtorKind

from ..base import make_claim, make_debtor
from .base import DUE, DunningTestCase

TABLE = (
    "{% for c in claims %}{{ c.reference }}|{{ c.principal }}|{{ c.fees }}|{{ c.total }}\n"
    "{% endfor %}"
)


class RenderTestCase(DunningTestCase):
    def template(self, body: str) -> Template:
        return Template(organization=self.alpha, name="t", channel=Channel.EMAIL, body=body)

    def test_a_company_owes_the_40_euro_indemnity_and_a_consumer_does_not(self) -> None:
        company = make_claim(self.creditor, self.debtor, 100_000, reference="FA-B2B")
        person = make_debtor(self.alpha, "Jean Martin", kind=DebtorKind.PERSON)
        consumer = make_claim(
            self.creditor, person, 100_000, reference="FA-B2C", kind=ClaimKind.B2C
        )
        as_of = DUE + timedelta(days=30)
        b2b = render(self.template(TABLE), company.case, as_of).text
        b2c = render(self.template(TABLE), consumer.case, as_of).text
        self.assertIn("|40,00\u00a0€|", b2b)
        self.assertIn("FA-B2C|1\u202f000,00\u00a0€|0,00\u00a0€|1\u202f000,00\u00a0€", b2c)

    def test_only_overdue_open_claims_are_listed(self) -> None:
        case = make_claim(self.creditor, self.debtor, 10_000, reference="FA-LATE").case
        make_claim(
            self.creditor,
            self.debtor,
            20_000,
            reference="FA-SOON",
            due_date=DUE + timedelta(days=60),
        )
        make_claim(self.creditor, self.debtor, 30_000, reference="FA-CONTESTED", status="disputed")
        text = render(self.template(TABLE), case, DUE + timedelta(days=10)).text
        self.assertIn("FA-LATE", text)
        self.assertNotIn("FA-SOON", text)
        self.assertNotIn("FA-CONTESTED", text)

    def test_a_template_cannot_load_anything_nor_reach_objects(self) -> None:
        case = make_claim(self.creditor, self.debtor, 10_000).case
        with self.assertRaises(TemplateError):
            check("{% load static %}{% static 'x' %}")
        with self.assertRaises(TemplateError):
            render(self.template("{% include 'base.html' %}"), case, DUE)
        with self.assertRaises(TemplateError):
            check("{% if 1 %}{% debug %}{% endif %}")
        # variables are plain values: no model, no manager, no password hash to reach
        text = render(
            self.template("[{{ debtor.organization.users }}{{ case.pk }}]"), case, DUE
        ).text
        self.assertEqual(text.strip(), "[]")

    def test_without_a_template_a_plain_reminder_is_written(self) -> None:
        case = make_claim(self.creditor, self.debtor, 10_000, reference="FA-7").case
        rendered = render(None, case, DUE + timedelta(days=10))
        self.assertEqual(rendered.subject, "Factures échues — Télécom Ouest")
        self.assertIn("FA-7", rendered.text)
        self.assertIn("22/02/2026", rendered.text)  # the deadline: 8 days later
