"""Many letters typeset over a pool of processes (Typesetters): each PDF as letter_pdf
makes it alone, a refused letter refused alone, the logos read by the parent."""

from __future__ import annotations

import os
import signal

from django.core.files.base import ContentFile

from recouvra.letters.content import case_context, letter_data
from recouvra.letters.typeset import (
    MIN_POOLED,
    LetterError,
    Typesetters,
    letter_pdf,
    letters_pdf,
    page_count,
)

from ..base import RecouvraTestCase, make_claim, make_debtor, tiny_png
from .test_letters import AS_OF, TEXT, text_of


class TypesettersTestCase(RecouvraTestCase):
    def letters(self, count: int) -> list[dict]:
        """`count` letters to as many debtors, with the organisation's logo."""
        self.alpha.logo.save("logo.png", ContentFile(tiny_png()))
        letters = []
        for n in range(count):
            debtor = make_debtor(self.alpha, f"Client {n}", postal_code="44000", city="Nantes")
            claim = make_claim(self.creditor, debtor, 10_000 + n, reference=f"FA-{n}")
            context = case_context(claim.case, AS_OF)
            letters.append(letter_data(context, subject=f"Relance {n}", text=TEXT))
        return letters

    def test_it_typesets_each_letter_over_processes_as_letter_pdf_alone(self) -> None:
        letters = self.letters(MIN_POOLED + 1)
        with Typesetters(processes=2) as typesetters:
            pooled = typesetters.typeset(letters).result()
            self.assertIsNotNone(typesetters._pool)  # the processes did the work
        for letter, pdf in zip(letters, pooled, strict=True):
            self.assertIsInstance(pdf, bytes)
            # the logo, read from this test's media folder, reached the children
            self.assertIn(b"/Subtype/Image", pdf)
            self.assertEqual(text_of(pdf), text_of(letter_pdf(letter)))
        self.assertIn("Client 3", text_of(pooled[3]))

    def test_it_gives_a_refused_letter_its_error_and_the_others_their_pdf(self) -> None:
        letters = self.letters(MIN_POOLED)
        letters[2]["paragraphs"] = 5  # typst cannot loop over an integer
        with Typesetters(processes=2) as typesetters:
            pooled = typesetters.typeset(letters).result()
        self.assertIsInstance(pooled[2], LetterError)
        self.assertIn("mis en page", str(pooled[2]))
        others = pooled[:2] + pooled[3:]
        self.assertTrue(all(pdf.startswith(b"%PDF") for pdf in others))  # type: ignore[union-attr]
        with self.assertRaises(LetterError):
            letters_pdf(letters, processes=2)

    def test_it_notes_the_letters_typeset_in_a_child_that_needed_numbered_pages(self) -> None:
        letters = self.letters(MIN_POOLED)
        long = letters[1]
        long["rows"] = long["rows"] * 80  # a statement over two pages
        pdfs = letters_pdf(letters, processes=2)
        self.assertGreater(page_count(pdfs[1]), 1)
        self.assertTrue(long["numbered"])  # for a print batch made of them afterwards
        self.assertNotIn("numbered", letters[0])

    def test_it_typesets_here_what_a_killed_child_left(self) -> None:
        letters = self.letters(MIN_POOLED)
        with Typesetters(processes=2) as typesetters:
            typesetters.typeset(letters).result()
            for pid in list(typesetters._pool._processes):  # killed (out of memory, kill -9)
                os.kill(pid, signal.SIGKILL)
            pdfs = typesetters.typeset(letters).result()
            self.assertTrue(all(pdf.startswith(b"%PDF") for pdf in pdfs))  # type: ignore[union-attr]
            again = typesetters.typeset(letters).result()
            self.assertIsNone(typesetters._pool)  # given up: the rest typeset here
        self.assertEqual([text_of(pdf) for pdf in again], [text_of(pdf) for pdf in pdfs])
