"""API resources of field collection: a collector's visits of the day in route order, what
came of a visit, a payment taken on a visit with its numbered receipt, and the receipts
(their PDF). Every write goes through recouvra.field.services, as the pages do."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.cases.models import Task, TaskKind
from recouvra.core.validators import validate_date_in_range
from recouvra.field import services
from recouvra.ledger.models import Payment, PaymentMethod
from recouvra.letters.receipts import issue_receipt, receipt_filename, receipt_pdf

from ..models import Scope
from ..serializers import CentsField, StrictSerializer
from ..views import ReadViewSet
from .shared import MAX_ID, MayWrite, problems

READ = (401, 403, 404, 429)
WRITE = (400, 401, 403, 404, 409, 429)
# the services name the fields as the pages' forms do; the API says cents
API_FIELDS = {"amount": "amount_cents", "promise_amount": "promise_amount_cents"}


def api_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(
        {API_FIELDS.get(name, name): list(messages) for name, messages in exc.message_dict.items()}
    )


# ---------------------------------------------------------------- visits


class ExchangeSerializer(StrictSerializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    text = serializers.CharField()


class PendingPromiseSerializer(StrictSerializer):
    id = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    promised_on = serializers.DateField()


class VisitSerializer(StrictSerializer):
    """A visit with what the collector needs on the doorstep."""

    id = serializers.IntegerField(source="task.pk")
    case = serializers.IntegerField(source="task.case_id")
    case_reference = serializers.CharField(source="task.case.reference")
    creditor_name = serializers.CharField(source="task.case.creditor.name")
    title = serializers.CharField(source="task.title")
    collector = serializers.IntegerField(source="task.assigned_to_id", allow_null=True)
    due_on = serializers.DateField(source="task.due_on")
    not_before = serializers.DateTimeField(source="task.not_before", allow_null=True)
    done_at = serializers.DateTimeField(source="task.done_at", allow_null=True)
    debtor = serializers.IntegerField(source="debtor.pk")
    debtor_name = serializers.CharField(source="debtor.name")
    address = serializers.ListField(child=serializers.CharField(), source="debtor.address_lines")
    postal_code = serializers.CharField(source="debtor.postal_code")
    phone = serializers.SerializerMethodField()
    map_url = serializers.CharField()
    balance_cents = serializers.IntegerField()
    last_exchanges = ExchangeSerializer(many=True, source="exchanges")
    pending_promises = PendingPromiseSerializer(many=True, source="promises")

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, visit: services.Visit) -> str:
        return visit.debtor.mobile or visit.debtor.phone


class RoundSerializer(StrictSerializer):
    date = serializers.DateField()
    collector = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    results = VisitSerializer(many=True)


class RoundQuery(StrictSerializer):
    collector = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    date = serializers.DateField(required=False, validators=[validate_date_in_range])


class OutcomeSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=services.Outcome.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    next_visit_on = serializers.DateField(
        required=False, allow_null=True, validators=[validate_date_in_range]
    )
    promise_amount_cents = CentsField(required=False, allow_null=True)
    promised_on = serializers.DateField(
        required=False, allow_null=True, validators=[validate_date_in_range]
    )


class OutcomeAnswerSerializer(StrictSerializer):
    visit = VisitSerializer()
    next_visit = serializers.IntegerField(allow_null=True)


class FieldPaymentSerializer(StrictSerializer):
    amount_cents = CentsField()
    # the ledger's methods (one enum in the schema); on the spot: cash, cheque or card
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    cheque_number = serializers.CharField(max_length=12, required=False, allow_blank=True)
    cheque_bank = serializers.CharField(max_length=60, required=False, allow_blank=True)
    card_last4 = serializers.CharField(max_length=4, required=False, allow_blank=True)


class ReceiptSerializer(StrictSerializer):
    """A numbered receipt; `id` is its payment's."""

    id = serializers.IntegerField(source="pk")
    receipt_number = serializers.CharField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    received_on = serializers.DateField()
    method = serializers.CharField()
    reference = serializers.CharField()
    debtor = serializers.IntegerField(source="debtor_id")
    creditor = serializers.IntegerField(source="creditor_id")
    collected_by = serializers.IntegerField(source="collected_by_id", allow_null=True)
    pdf_url = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField(
        help_text=_("Lien public signé, sans connexion, valable 90 jours (pour un SMS).")
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, payment: Payment) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:receipt-pdf", args=[payment.pk])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, payment: Payment) -> str:
        path = reverse("field:public_receipt", args=[services.receipt_token(payment)])
        return self.context["request"].build_absolute_uri(path)


class FieldViewSet(ReadViewSet):
    permission_classes: ClassVar[list] = [*ReadViewSet.permission_classes, MayWrite]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("collector", OpenApiTypes.INT, description=_("Id du collecteur.")),
            OpenApiParameter("date", OpenApiTypes.DATE, description=_("Aujourd'hui par défaut.")),
        ],
        responses={200: RoundSerializer, **problems(400, *READ)},
        summary=_("Visites du jour, dans l'ordre du trajet"),
        description=_(
            "Les visites non faites prévues au plus tard à cette date, du collecteur donné "
            "(de tous sinon), par code postal, rue puis numéro ; au plus 200."
        ),
    ),
    retrieve=extend_schema(responses={200: VisitSerializer, **problems(*READ)}),
)
class VisitViewSet(FieldViewSet):
    """Visits (VISIT tasks): the round of a day, one visit, what came of it, a payment."""

    model = Task
    serializer_class = VisitSerializer
    write_scopes: ClassVar[dict[str, str]] = {"outcome": Scope.WRITE, "payments": Scope.PAYMENTS}
    filter_backends: ClassVar[list] = []

    def get_queryset(self) -> QuerySet:
        tasks = super().get_queryset().filter(kind=TaskKind.VISIT)
        return tasks.select_related("case__debtor", "case__creditor")

    def visit(self, task: Task) -> services.Visit:
        (visit,) = services.visits_of([task])
        return visit

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = RoundQuery(data=dict(request.query_params.items()))
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        collector = query.validated_data.get("collector")
        tasks = self.get_queryset().filter(done_at__isnull=True, due_on__lte=day)
        if collector is not None:
            tasks = tasks.filter(assigned_to_id=collector)
        visits = services.visits_of(services.in_route_order(tasks))
        data = {"date": day, "collector": collector, "count": len(visits), "results": visits}
        return Response(RoundSerializer(data).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(VisitSerializer(self.visit(self.get_object())).data)

    @extend_schema(
        request=OutcomeSerializer,
        responses={200: OutcomeAnswerSerializer, **problems(*WRITE)},
        summary=_("Issue de la visite"),
        description=_(
            "Comme la page de visite : l'échange au dossier, la visite faite, une promesse "
            "(montant et date) si le débiteur en fait une, la prochaine visite si une date "
            "est donnée. Une visite déjà faite : 400 sur `outcome`."
        ),
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: Any = None) -> Response:
        task = self.get_object()
        incoming = OutcomeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            follow_up = services.record_visit(
                task,
                outcome=data["outcome"],
                note=data.get("note", ""),
                next_visit_on=data.get("next_visit_on"),
                promise_cents=data.get("promise_amount_cents"),
                promised_on=data.get("promised_on"),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise api_errors(exc) from exc
        answer = {
            "visit": self.visit(self.get_object()),
            "next_visit": getattr(follow_up, "pk", None),
        }
        return Response(OutcomeAnswerSerializer(answer).data)

    @extend_schema(
        request=FieldPaymentSerializer,
        responses={201: ReceiptSerializer, **problems(*WRITE)},
        summary=_("Paiement encaissé sur place"),
        description=_(
            "Enregistré comme tout paiement (imputé sur les créances du dossier, encaissé "
            "par l'utilisateur de la clé) et sa quittance numérotée dans la même transaction. "
            "Montant positif, au plus le solde dû ; chèque : numéro et banque."
        ),
    )
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: Any = None) -> Response:
        task = self.get_object()
        incoming = FieldPaymentSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            payment = services.take_payment(
                task,
                amount_cents=data["amount_cents"],
                method=data["method"],
                cheque_number=data.get("cheque_number", ""),
                cheque_bank=data.get("cheque_bank", ""),
                card_last4=data.get("card_last4", ""),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise api_errors(exc) from exc
        context = self.get_serializer_context()
        return Response(ReceiptSerializer(payment, context=context).data, status=201)


# ---------------------------------------------------------------- receipts


class PdfRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        # only a problem (a 404) reaches a renderer: the PDF itself is an HttpResponse
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class IssueSerializer(StrictSerializer):
    payment = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ReceiptFilter(django_filters.FilterSet):
    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields: ClassVar[list[str]] = []


@extend_schema_view(
    list=extend_schema(responses={200: ReceiptSerializer(many=True), **problems(400, *READ)}),
    retrieve=extend_schema(responses={200: ReceiptSerializer, **problems(*READ)}),
)
class ReceiptViewSet(FieldViewSet):
    """The numbered receipts (quittances, CPCE R124-6); a receipt's id is its payment's."""

    model = Payment
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter
    write_scope = Scope.PAYMENTS

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(reversed_at__isnull=True).exclude(receipt_number="")

    @extend_schema(
        request=IssueSerializer,
        responses={201: ReceiptSerializer, **problems(*WRITE)},
        summary=_("Délivrer la quittance d'un paiement"),
        description=_(
            "Numérote la quittance d'un paiement la première fois ; ensuite, le même numéro."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = IssueSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        payments = Payment.objects.visible_to(self.member).filter(reversed_at__isnull=True)
        payment = payments.filter(pk=incoming.validated_data["payment"]).first()
        if payment is None:
            raise ValidationError({"payment": [_("Paiement inconnu ou annulé.")]})
        issue_receipt(payment, actor=request.user)
        context = self.get_serializer_context()
        return Response(ReceiptSerializer(payment, context=context).data, status=201)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **problems(*READ),
        },
        summary=_("La quittance en PDF"),
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: Any = None) -> HttpResponse:
        payment = self.get_object()
        response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{receipt_filename(payment)}"'
        return response


routes = [
    ("visits", VisitViewSet, "visit"),
    ("receipts", ReceiptViewSet, "receipt"),
]
paths: list = []
