"""Letters about a claim whose contractual rate is below the legal floor (C. com. L441-10 II)
print the figures at the floor, with the mention; a letter needing a missing rate is not made."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from recouvra.cases.models import PaymentPlan
from recouvra.letters.content import (
    NOTICE,
    REMINDER,
    FiguresUnavailable,
    case_context,
    letter_data,
)
from recouvra.letters.typeset import letter_pdf

from ..base import RecouvraTestCase, make_claim_below_floor
from .test_letters import text_of

AS_OF = date(2024, 12, 31)
MENTION = "inférieur au plancher légal de 3 fois le taux de l'intérêt légal"


class RateBelowFloorLetterTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.claim = make_claim_below_floor(self.creditor, self.debtor)

    def letter_text(self, kind: str, as_of: date = AS_OF) -> str:
        data = letter_data(
            case_context(self.claim.case, as_of), subject="Relance", text="Merci.", kind=kind
        )
        return " ".join(text_of(letter_pdf(data)).split())

    def test_it_makes_the_reminder_with_the_floor_mention(self) -> None:
        text = self.letter_text(REMINDER)
        self.assertIn("146,08", text)  # 71,67 € at 15.21 % + 74,41 € at 14.76 %
        self.assertIn(MENTION, text)
        self.assertIn("15,21 % du 11/01/2024 au 30/06/2024 et 14,76 % du 01/07/2024", text)

    def test_it_makes_the_formal_notice_with_the_floor_mention(self) -> None:
        text = self.letter_text(NOTICE)
        self.assertIn("MISE EN DEMEURE", text)
        self.assertIn(MENTION, text)
        self.assertIn("L441-10 II", text)

    def test_it_refuses_a_letter_whose_interest_needs_a_missing_rate(self) -> None:
        # the floor of 2026-S2 needs the legal rate of 2026-S2, missing from the tables
        with self.assertRaises(FiguresUnavailable) as refused:
            case_context(self.claim.case, date(2026, 9, 30))
        self.assertIn("2026-S2", refused.exception.reason)
        self.assertIn("Paramètres → Taux", refused.exception.reason)

    def test_it_sends_back_to_the_case_a_plan_agreement_that_needs_a_missing_rate(self) -> None:
        plan = PaymentPlan.objects.create(
            organization=self.alpha, case=self.claim.case, starts_on=date(2026, 12, 10)
        )
        self.client.force_login(self.alice)
        response = self.client.get(reverse("letters:plan_agreement", args=[plan.pk]))
        self.assertRedirects(response, self.claim.case.get_absolute_url())
        shown = [str(m) for m in response.wsgi_request._messages]
        self.assertIn("Paramètres → Taux", shown[0])
