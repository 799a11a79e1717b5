"""Letters made on demand: a payment's receipt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from recouvra.ledger.models import Payment
from recouvra.web import generic

from .content import receipt_data
from .render import letter_pdf


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt (quittance) of a payment, as PDF."""
    queryset = Payment.objects.filter(reversed_at__isnull=True).select_related(
        "debtor", "creditor", "organization"
    )
    payment = generic.get_visible(request, queryset, pk)
    response = HttpResponse(letter_pdf(receipt_data(payment)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quittance-{payment.pk}.pdf"'
    return response
