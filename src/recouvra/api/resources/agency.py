"""API resources of an agency's books (CPCE R124-3 to R124-6): mandates, the trust account
entries and balances per mandant, remittances with their statement and invoice, the
transfer files, and the monthly run. Every write goes through recouvra.agency.services, as
the pages do. A key restricted to a mandant reads its own creditor's only (and no transfer
file: it pays every mandant); an organisation that is not an agency has no books (empty
lists, a 404 for any row)."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.agency import services
from recouvra.agency.models import (
    CommissionInvoice,
    EntryKind,
    Mandate,
    Notice,
    Remittance,
    RemittanceStatus,
    TransferBatch,
    TrustEntry,
)
from recouvra.core import audit
from recouvra.core.models import Role
from recouvra.core.validators import validate_bic, validate_date_in_range, validate_iban
from recouvra.ledger.models import Creditor

from ..filters import UpdatedSince
from ..models import Scope
from ..serializers import CentsField, SignedCentsField, StrictModelSerializer, StrictSerializer
from ..views import ApiMixin, ReadViewSet, WriteViewSet
from .shared import READ, IdFilter, MayWrite, problems, read_schema

PDF = {(200, "application/pdf"): OpenApiTypes.BINARY, **problems(*READ)}
XML = {(200, "application/xml"): OpenApiTypes.BINARY, **problems(*READ)}
MAX_SCOPE = 2_000


class BooksMixin:
    """Only an agency keeps books: another organisation's key sees none."""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if not self.member.organization.is_agency:  # type: ignore[attr-defined]
            return queryset.none()
        return queryset


def bounded_date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(validators=[validate_date_in_range], **kwargs)


# ---------------------------------------------------------------- mandates


class VisibleCreditor(serializers.PrimaryKeyRelatedField):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def get_queryset(self) -> QuerySet:
        return Creditor.objects.visible_to(self.context["view"].member)


class MandateSerializer(StrictModelSerializer):
    creditor = VisibleCreditor()
    fee_per_case_cents = CentsField(required=False, allow_null=True)
    commission_rate = serializers.IntegerField(
        min_value=0, max_value=10_000, help_text=_("Points de base : 1200 = 12 %.")
    )
    vat_rate = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    remittance_days = serializers.IntegerField(
        min_value=1, max_value=366, required=False, allow_null=True
    )
    signed_on = bounded_date()
    starts_on = bounded_date()
    ends_on = bounded_date(required=False, allow_null=True)
    scope = serializers.CharField(max_length=MAX_SCOPE, required=False, allow_blank=True)
    remittance_iban = serializers.CharField(
        max_length=50, required=False, allow_blank=True, validators=[validate_iban]
    )
    remittance_bic = serializers.CharField(
        max_length=11, required=False, allow_blank=True, validators=[validate_bic]
    )

    class Meta:
        model = Mandate
        fields = [
            "id",
            "creditor",
            "reference",
            "signed_on",
            "starts_on",
            "ends_on",
            "commission_rate",
            "fee_per_case_cents",
            "vat_rate",
            "scope",
            "remittance_days",
            "longer_delay_agreed",
            "remittance_iban",
            "remittance_bic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_remittance_iban(self, value: str) -> str:
        return "".join(c for c in value if c.isalnum()).upper()


class MandateFilter(UpdatedSince):
    creditor = IdFilter(field_name="creditor_id")

    class Meta:
        model = Mandate
        fields = ["creditor"]


@extend_schema_view(**read_schema(MandateSerializer))
class MandateViewSet(BooksMixin, WriteViewSet):
    """The mandates given by the mandants (R124-3): one in force per mandant at a date."""

    model = Mandate
    serializer_class = MandateSerializer
    filterset_class = MandateFilter
    ordering_fields: ClassVar[list[str]] = ["id", "starts_on", "updated_at"]
    permission_classes: ClassVar[list] = [*WriteViewSet.permission_classes, MayWrite]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("creditor")

    def _save(self, serializer: Any, mandate: Mandate, before: dict | None) -> None:
        if not self.member.organization.is_agency:
            raise Http404
        for name, value in serializer.validated_data.items():
            setattr(mandate, name, value)
        try:
            with transaction.atomic():
                services.save_mandate(mandate, actor=self.request.user, before=before)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        serializer.instance = mandate

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, Mandate(organization_id=self.member.organization_id), None)

    def perform_update(self, serializer: Any) -> None:
        mandate = serializer.instance
        self._save(serializer, mandate, audit.snapshot(mandate))


# ---------------------------------------------------------------- trust entries


class TrustEntrySerializer(StrictModelSerializer):
    amount_cents = SignedCentsField(read_only=True)

    class Meta:
        model = TrustEntry
        fields = [
            "id",
            "creditor",
            "mandate",
            "kind",
            "amount_cents",
            "on",
            "payment",
            "remittance",
            "text",
            "notice",
            "created_at",
        ]
        read_only_fields = fields


class TrustEntryFilter(UpdatedSince):
    creditor = IdFilter(field_name="creditor_id")
    remittance = IdFilter(field_name="remittance_id")
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    notice = django_filters.ChoiceFilter(choices=Notice.choices)
    on_after = django_filters.DateFilter(field_name="on", lookup_expr="gte")
    on_before = django_filters.DateFilter(field_name="on", lookup_expr="lte")
    remitted = django_filters.BooleanFilter(
        field_name="remittance", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = TrustEntry
        fields = ["creditor", "kind", "remittance"]


@extend_schema_view(**read_schema(TrustEntrySerializer))
class TrustEntryViewSet(BooksMixin, ReadViewSet):
    """The trust account, line by line (append-only): amounts signed by kind, what is held
    for a mandant is their sum."""

    model = TrustEntry
    serializer_class = TrustEntrySerializer
    filterset_class = TrustEntryFilter
    ordering_fields: ClassVar[list[str]] = ["id", "on"]


class BalanceSerializer(StrictSerializer):
    creditor = serializers.IntegerField(source="creditor_id", allow_null=True)
    name = serializers.CharField()
    collected_cents = CentsField(source="collected")
    reversed_cents = CentsField(source="reversed")
    adjusted_cents = SignedCentsField(source="adjusted")
    commission_cents = SignedCentsField(source="commission")
    vat_cents = SignedCentsField(source="vat")
    remitted_cents = CentsField(source="remitted")
    held_cents = SignedCentsField(source="held")
    reconciles = serializers.BooleanField()


class BalancesSerializer(StrictSerializer):
    mandants = BalanceSerializer(many=True)
    total = BalanceSerializer()


class BalanceQuery(StrictSerializer):
    on = bounded_date(required=False, help_text=_("Le solde à la fin de ce jour."))


class TrustBalanceView(ApiMixin, GenericAPIView):
    """collected − reversals + adjustments = remitted + commission + VAT + held, per
    mandant and in total (`reconciles` checks it)."""

    serializer_class = BalancesSerializer

    @extend_schema(
        summary=_("Soldes du compte de tiers, par mandant et au total"),
        parameters=[BalanceQuery],
        responses={200: BalancesSerializer, **problems(400, *READ)},
    )
    def get(self, request: Request) -> Response:
        query = BalanceQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        entries = TrustEntry.objects.visible_to(self.member)
        if not self.member.organization.is_agency:
            entries = entries.none()
        if "on" in query.validated_data:
            entries = entries.filter(on__lte=query.validated_data["on"])
        per, total = services.balances(entries)
        return Response(BalancesSerializer({"mandants": per, "total": total}).data)


# ---------------------------------------------------------------- remittances


class RemittanceSerializer(StrictModelSerializer):
    collected_cents = CentsField(read_only=True)
    reversed_cents = CentsField(read_only=True)
    adjusted_cents = SignedCentsField(read_only=True)
    fees_cents = CentsField(read_only=True)
    commission_cents = SignedCentsField(read_only=True)
    vat_cents = SignedCentsField(read_only=True)
    remitted_cents = CentsField(read_only=True)
    invoice = serializers.SerializerMethodField()
    has_statement = serializers.SerializerMethodField()

    class Meta:
        model = Remittance
        fields = [
            "id",
            "number",
            "creditor",
            "mandate",
            "batch",
            "period_start",
            "period_end",
            "entry_count",
            "collected_cents",
            "reversed_cents",
            "adjusted_cents",
            "case_count",
            "fees_cents",
            "commission_cents",
            "vat_cents",
            "remitted_cents",
            "status",
            "invoice",
            "has_statement",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_invoice(self, remittance: Remittance) -> str | None:
        invoice = getattr(remittance, "invoice", None)
        return invoice.number if invoice is not None else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_statement(self, remittance: Remittance) -> bool:
        return bool(remittance.statement)


class RemittanceFilter(UpdatedSince):
    creditor = IdFilter(field_name="creditor_id")
    batch = IdFilter(field_name="batch_id")
    status = django_filters.ChoiceFilter(choices=RemittanceStatus.choices)
    period_end = django_filters.DateFilter(field_name="period_end")

    class Meta:
        model = Remittance
        fields = ["creditor", "batch", "status"]


class RunSerializer(StrictSerializer):
    period_end = bounded_date(help_text=_("Les encaissements jusqu'à ce jour (inclus)."))


class RunResultSerializer(StrictSerializer):
    batch = serializers.IntegerField(allow_null=True)
    remittances = RemittanceSerializer(many=True)
    errors = serializers.ListField(child=serializers.CharField())
    waiting = serializers.ListField(child=serializers.CharField())


def _file(document: Any, name: str, content_type: str) -> FileResponse:
    if not document:
        raise Http404
    try:
        opened = document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(opened, as_attachment=True, filename=name, content_type=content_type)


@extend_schema_view(**read_schema(RemittanceSerializer))
class RemittanceViewSet(BooksMixin, ReadViewSet):
    """What was remitted to each mandant per period, its statement and invoice (PDF)."""

    model = Remittance
    serializer_class = RemittanceSerializer
    filterset_class = RemittanceFilter
    ordering_fields: ClassVar[list[str]] = ["id", "period_end"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    write_scope = Scope.PAYMENTS  # money moves: the key that records payments

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("invoice")

    @extend_schema(summary=_("Relevé de reversement (PDF)"), responses=PDF)
    @action(detail=True, methods=["get"])
    def statement(self, request: Request, pk: Any = None) -> FileResponse:
        remittance = self.get_object()
        return _file(remittance.statement, f"releve-{remittance.number}.pdf", "application/pdf")

    @extend_schema(summary=_("Facture de commission (PDF)"), responses=PDF)
    @action(detail=True, methods=["get"])
    def invoice(self, request: Request, pk: Any = None) -> FileResponse:
        remittance = self.get_object()
        invoice = CommissionInvoice.objects.filter(remittance=remittance).first()
        if invoice is None:
            raise Http404
        return _file(invoice.pdf, f"facture-{invoice.number}.pdf", "application/pdf")

    @extend_schema(
        summary=_("Fichier de virements (pain.001.001.03) qui paie ce reversement"),
        description=_(
            "Le fichier du lot : il paie tous les reversements du lot, donc jamais à une clé "
            "restreinte à un mandant (404)."
        ),
        responses=XML,
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: Any = None) -> FileResponse:
        remittance = self.get_object()
        if self.member.role == Role.MANDANT:
            raise Http404
        batch = remittance.batch
        return _file(batch.file, f"virements-{batch.period_end:%Y%m%d}.xml", "application/xml")

    @extend_schema(
        summary=_("Lancer les reversements d'une période"),
        description=_(
            "Chaque mandant : ses encaissements non reversés jusqu'à `period_end`, sa "
            "commission et la TVA, le relevé et la facture, un fichier pain.001.001.03 pour "
            "tous. Idempotent : relancé pour la même période, rien de nouveau. Un mandant "
            "sans IBAN de reversement est écarté (`errors`), les autres sont reversés."
        ),
        request=RunSerializer,
        responses={200: RunResultSerializer, **problems(400, 401, 403, 404, 429)},
    )
    @action(detail=False, methods=["post"])
    def run(self, request: Request) -> Response:
        if not self.member.can_write or not self.member.organization.is_agency:
            raise Http404 if self.member.can_write else exceptions.PermissionDenied()
        incoming = RunSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            result = services.run_remittances(
                self.member.organization_id, incoming.validated_data["period_end"], request.user
            )
        except services.BooksError as exc:
            raise exceptions.ValidationError({"period_end": [str(exc)]}) from exc
        data = {
            "batch": result.batch.pk if result.batch else None,
            "remittances": result.remittances,
            "errors": result.errors,
            "waiting": result.waiting,
        }
        return Response(RunResultSerializer(data).data)


# ---------------------------------------------------------------- transfer files


class TransferBatchSerializer(StrictModelSerializer):
    total_cents = CentsField(read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = TransferBatch
        fields = [
            "id",
            "period_end",
            "message_id",
            "count",
            "total_cents",
            "errors",
            "has_file",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_file(self, batch: TransferBatch) -> bool:
        return bool(batch.file)


@extend_schema_view(**read_schema(TransferBatchSerializer))
class TransferBatchViewSet(BooksMixin, ReadViewSet):
    """The SEPA credit transfer files (pain.001.001.03) of the runs; never to a mandant."""

    model = TransferBatch
    serializer_class = TransferBatchSerializer
    ordering_fields: ClassVar[list[str]] = ["id", "period_end"]

    @extend_schema(summary=_("Fichier de virements pain.001.001.03"), responses=XML)
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: Any = None) -> FileResponse:
        batch = self.get_object()
        name = f"virements-{batch.period_end:%Y%m%d}.xml"
        return _file(batch.file, name, "application/xml")


routes = [
    ("mandates", MandateViewSet, "mandate"),
    ("trust-entries", TrustEntryViewSet, "trust-entry"),
    ("remittances", RemittanceViewSet, "remittance"),
    ("transfer-batches", TransferBatchViewSet, "transfer-batch"),
]
paths: list = [
    # with and without the final slash, as the router's routes
    re_path(r"^trust-balances/?$", TrustBalanceView.as_view(), name="trust-balances"),
]
