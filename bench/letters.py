"""Benchmark: a one-page formal notice with a 10-line statement, as PDF.

Times typst (recouvra.letters) rendering one PDF per letter and a batch of 1,000 letters
in one PDF, against the floor of WeasyPrint rendering the same letter from HTML (one PDF
per letter). Targets: at least 100 letters/s one by one, 400/s batched, and typst at
least 20× faster than WeasyPrint.

    python bench/letters.py [--letters N] [--batch N]      (pip install '.[bench]')
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402
from reconcile import setup_django  # noqa: E402

HTML = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 1.8cm 2cm 2cm 2cm; }}
body {{ font-family: serif; font-size: 10pt; }}
.recipient {{ margin: 2cm 0 1cm 9.5cm; }}
table {{ width: 100%; border-collapse: collapse; }}
td, th {{ border: 0.4pt solid #999; padding: 3pt; }}
.num {{ text-align: right; }} .box {{ border: 0.8pt solid black; padding: 6pt; }}
.mentions {{ font-size: 7.5pt; border-top: 0.4pt solid #999; margin-top: 1cm; }}
</style></head><body>
<p><strong>{sender}</strong><br>{sender_address}</p>
<p class="recipient"><strong>Lettre recommandée avec accusé de réception</strong><br>
<strong>{recipient}</strong><br>{recipient_address}</p>
<p style="text-align:right">{place}, le {date}</p>
<p><strong>Objet :</strong> {subject}<br><strong>Référence :</strong> {reference}</p>
<h2 style="text-align:center">{title}</h2>
{paragraphs}
<table><thead><tr><th>Facture</th><th>Émise le</th><th>Échue le</th><th>Principal</th>
<th>Intérêts</th><th>Frais</th><th>Reste dû</th></tr></thead><tbody>{rows}</tbody>
<tfoot><tr><th colspan="6" class="num">Total dû au {today}</th><th class="num">{total}</th>
</tr></tfoot></table>
<p class="box"><strong>{deadline}</strong></p>
<p style="text-align:right">{signature}</p>
<div class="mentions">{mentions}</div>
</body></html>"""


def context(n: int) -> dict:
    rows = [
        {
            "reference": f"FA-2026-{n:05d}-{i}",
            "issue_date": "05/01/2026",
            "due_date": "04/02/2026",
            "days_late": 40,
            "principal": "1\u202f250,00\u00a0€",
            "interest": "12,34\u00a0€",
            "fees": "40,00\u00a0€",
            "total": "1\u202f302,34\u00a0€",
            "rate_to_confirm": False,
        }
        for i in range(10)
    ]
    return {
        "organization": {
            "name": "Alpha Recouvrement",
            "address": ["27 rue de Châteaudun", "75009 Paris"],
            "email": "contact@alpha.example",
            "phone": "01 23 45 67 89",
            "siren": "732829320",
            "is_agency": False,
        },
        "creditor": {
            "name": "Bâtimat Distribution",
            "address": ["18 rue des Frères Lumière", "69740 Genas"],
            "email": "",
            "phone": "",
            "iban": "",
        },
        "debtor": {
            "name": f"Menuiserie Dubois {n}",
            "address": ["12 rue des Lilas", "44000 Nantes"],
            "postal_code": "44000",
            "is_consumer": False,
            "customer_code": f"411C{n:05d}",
        },
        "case": {"reference": f"D-{n:06d}"},
        "agent": {"name": "Charlie Martin", "email": ""},
        "claims": rows,
        "total": "13\u202f023,40\u00a0€",
        "rate_to_confirm": False,
        "today": "16/03/2026",
        "today_long": "16 mars 2026",
        "deadline_long": "24 mars 2026",
    }


TEXT = (
    "Nos relances étant restées sans effet, nous vous mettons en demeure de payer la somme "
    "détaillée ci-dessous.\n\nÀ défaut de paiement dans ce délai, nous saisirons la "
    "juridiction compétente sans autre avis."
)


def html_of(letter: dict) -> str:
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{r[k]}</td>' if k not in ("reference",) else f"<td>{r[k]}</td>"
            for k in ("reference", "issue_date", "due_date", "principal", "interest", "fees")
        )
        + f'<td class="num">{r["total"]}</td></tr>'
        for r in letter["rows"]
    )
    return HTML.format(
        sender=letter["sender"]["name"],
        sender_address="<br>".join(letter["sender"]["address"]),
        recipient=letter["recipient"]["name"],
        recipient_address="<br>".join(letter["recipient"]["address"]),
        place=letter["place"],
        date=letter["date"],
        subject=letter["subject"],
        reference=letter["reference"],
        title=letter["title"],
        paragraphs="".join(f"<p>{p}</p>" for p in letter["paragraphs"]),
        rows=rows,
        today=letter["totals"]["today"],
        total=letter["totals"]["total"],
        deadline=letter["deadline"],
        signature=letter["signature"],
        mentions="".join(f"<p>{m}</p>" for m in letter["mentions"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--weasyprint", type=int, default=20, help="letters for the floor")
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="bench-letters-"))
    from pypdf import PdfReader

    from recouvra.letters.content import NOTICE, letter_data
    from recouvra.letters.typeset import batch_pdf, letter_pdf, letters_pdf

    def letter(n: int) -> dict:
        return letter_data(
            context(n), subject="Mise en demeure de payer", text=TEXT, kind=NOTICE, registered=True
        )

    letter_pdf(letter(0))  # the compiler starts once per process (fonts, layout)
    start = time.perf_counter()
    for n in range(args.letters):
        pdf = letter_pdf(letter(n))
    single = time.perf_counter() - start
    import io

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1, "the notice should fit on one page"
    many = [letter(n) for n in range(args.letters, 2 * args.letters)]
    start = time.perf_counter()
    pooled = letters_pdf(many)
    pooled_time = time.perf_counter() - start
    assert len(pooled) == len(many) and all(p.startswith(b"%PDF") for p in pooled)
    letters = [letter(n) for n in range(args.batch)]
    start = time.perf_counter()
    batch = batch_pdf(letters, {"title": "Courriers du jour", "summary": f"{args.batch}"})
    batched = time.perf_counter() - start
    pages = len(PdfReader(io.BytesIO(batch)).pages)

    try:
        import weasyprint
    except ImportError:
        print("  WeasyPrint is not installed: pip install '.[bench]'")
        return
    weasyprint.HTML(string=html_of(letter(0))).write_pdf()  # its fonts, once
    start = time.perf_counter()
    for n in range(args.weasyprint):
        weasyprint.HTML(string=html_of(letter(n))).write_pdf()
    floor = (time.perf_counter() - start) / args.weasyprint

    per_letter = single / args.letters
    print(f"letters: a one-page formal notice with a {len(letters[0]['rows'])}-line statement")
    print(describe())
    print(
        f"  typst, one PDF per letter, one process: {args.letters / single:,.0f} letters/s "
        "(target ≥ 100)"
    )
    print(
        f"  typst, one PDF per letter, letters_pdf over {os.cpu_count()} processes: "
        f"{len(many) / pooled_time:,.0f} letters/s"
    )
    print(
        f"  typst, {args.batch:,} letters in one PDF ({pages:,} pages): "
        f"{args.batch / batched:,.0f} letters/s (target ≥ 400)"
    )
    print(f"  floor, WeasyPrint from HTML, one PDF per letter: {1 / floor:,.1f} letters/s")
    print(
        f"  ratio WeasyPrint / typst, one by one, one process: {floor / per_letter:,.0f}× "
        "(target ≥ 20×)"
    )


if __name__ == "__main__":
    main()
