"""An e-mail or SMS queued outside the run goes out through the delivery task, once per key."""

from __future__ import annotations

from recouvra.cases.models import Interaction, InteractionKind
from recouvra.dunning.models import Channel, Message, MessageStatus
from recouvra.dunning.outbox import queue_message
from tests.base import RecouvraTestCase, make_claim


class OutboxTests(RecouvraTestCase):
    def make_case(self):  # noqa: ANN201
        return make_claim(self.creditor, self.debtor).case

    def test_a_message_is_queued_once_per_key_and_told_on_the_timeline(self) -> None:
        case = self.make_case()
        first = queue_message(
            case, channel=Channel.SMS, recipient="0612345678", key="receipt-1", text="Reçu."
        )
        again = queue_message(
            case, channel=Channel.SMS, recipient="0612345678", key="receipt-1", text="Reçu."
        )
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(first.status, MessageStatus.QUEUED)
        self.assertEqual(Message.objects.filter(case=case).count(), 1)
        events = Interaction.objects.filter(case=case, kind=InteractionKind.SMS)
        self.assertEqual(events.count(), 1)

    def test_an_email_carries_the_given_pdf(self) -> None:
        case = self.make_case()
        message = queue_message(
            case,
            channel=Channel.EMAIL,
            recipient="compta@example.fr",
            key="receipt-2",
            subject="Votre quittance",
            text="Veuillez trouver votre quittance.",
            attachment=("quittance.pdf", b"%PDF-1.7 test"),
        )
        with message.document.open("rb") as pdf:
            self.assertEqual(pdf.read(), b"%PDF-1.7 test")

    def test_a_message_without_recipient_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            queue_message(self.make_case(), channel=Channel.EMAIL, recipient="", key="k", text="x")
