"""Parser errors reach users in French, translated like the rest of the UI, with file, line
(or element), field and reason: in `recouvra parse`, on a failed batch and in the preview."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, TransactionTestCase
from django.urls import reverse
from django.utils import translation

from recouvra import cli
from recouvra.imports import messages
from recouvra.imports.models import ImportBatch, ImportStatus
from recouvra.imports.parsers.camt import parse_camt
from recouvra.imports.parsers.cfonb120 import parse_cfonb120
from recouvra.imports.records import ParseError, RowError

from ..base import SIREN_ALPHA, make_creditor, make_org, make_user

NOTIFICATION = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>'
    b"<GrpHdr><MsgId>M</MsgId></GrpHdr>\n<Ntfctn><Id>N</Id><Acct><Id>"
    b"<IBAN>FR7630006000011234567890189</IBAN></Id></Acct>\n"
    b'<Ntry><Amt Ccy="EUR">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
    b"<BookgDt><Dt>2026-05-02</Dt></BookgDt></Ntry>\n"
    b'<Ntry><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
    b"<BookgDt><Dt>2026-05-02</Dt></BookgDt></Ntry>\n"
    b"</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n"
)


class MessagesTestCase(SimpleTestCase):
    def test_it_describes_an_unreadable_file_in_french_with_its_place(self) -> None:
        with pytest.raises(ParseError) as caught:
            parse_cfonb120(b"99" + b"x" * 118, filename="releve.txt")
        self.assertEqual(
            messages.describe(caught.value),
            "releve.txt, ligne 1, champ code enregistrement : ce n'est pas un relevé CFONB 120 : "
            "le premier enregistrement commence par « 99 » (01, 04, 05 ou 07 attendu)",
        )

    def test_it_keeps_the_template_of_a_row_error_so_the_page_can_translate_it(self) -> None:
        statement = parse_camt(NOTIFICATION, filename="avis.xml")
        (error,) = statement.as_json()["errors"]
        self.assertEqual((error["line"], error["field"], error["file"]), (4, "Amt", "avis.xml"))
        self.assertEqual(error["template"], "montant décimal illisible : « %(amount)s »")
        self.assertEqual(error["params"], {"amount": "12,50"})
        self.assertEqual(messages.reason(error), "montant décimal illisible : « 12,50 »")

    def test_it_translates_a_template_into_the_readers_language(self) -> None:
        error = RowError.of(3, "Cdtr", "Dossier confié à %(p)s.", {"p": "Maître Roux"})
        self.assertEqual(error.reason, "Dossier confié à Maître Roux.")
        with translation.override("en"):
            self.assertEqual(messages.reason(error), "Case assigned to Maître Roux.")

    def test_the_parse_command_names_file_line_and_field_in_french(self) -> None:
        with self.assertRaises(CommandError) as caught:
            call_command("parse", __file__, "--format", "cfonb120")
        self.assertIn(
            "test_parser_messages.py, ligne 1, champ code enregistrement : ", str(caught.exception)
        )
        self.assertIn("ce n'est pas un relevé CFONB 120", str(caught.exception))


def run_worker() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


class UploadMessagesTestCase(TransactionTestCase):
    def setUp(self) -> None:
        self.org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
        self.alice = make_user("alice@example.org", self.org)
        self.creditor = make_creditor(self.org, "Télécom Ouest")
        self.client.force_login(self.alice)

    def upload(self, content: bytes, name: str) -> ImportBatch:
        upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        self.client.post(reverse("imports:home"), {"file": upload, "creditor": self.creditor.pk})
        run_worker()
        return ImportBatch.objects.get()

    def test_it_shows_an_unreadable_row_of_a_notification_in_french(self) -> None:
        batch = self.upload(NOTIFICATION, "avis.xml")
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        page = self.client.get(batch.get_absolute_url())
        self.assertContains(page, "montant décimal illisible : « 12,50 »")

    def test_a_truncated_statement_fails_with_file_line_and_a_french_reason(self) -> None:
        opening = ("0130003    01234EUR2 00012345678  150324".ljust(90) + "0000000000100{").ljust(
            120
        )
        batch = self.upload(opening.encode() + b"\r\n", "releve.cfo")
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertTrue(batch.message.startswith("releve.cfo, ligne 1 : le fichier s'arrête"))
        self.assertIn("le fichier semble tronqué", batch.message)
