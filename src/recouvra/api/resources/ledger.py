"""API resources of the ledger: creditors, debtors and their contacts, claims, payments,
and the bulk upsert of claims (claims/bulk, the rules of a ledger import)."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.core.search import normalize
from recouvra.core.validators import (
    validate_date_in_range,
    validate_iban,
    validate_siren,
    validate_siret,
    validate_vat,
)
from recouvra.imports.ledger_import import ERROR, upsert_claims
from recouvra.imports.messages import reason
from recouvra.imports.records import LedgerClaim
from recouvra.ledger import services
from recouvra.ledger.models import (
    Allocation,
    Claim,
    ClaimKind,
    ClaimStatus,
    Contact,
    Creditor,
    Debtor,
    DebtorKind,
    Payment,
    PaymentMethod,
    RiskLevel,
)

from ..filters import UpdatedSince
from ..models import Scope
from ..serializers import CentsField, StrictModelSerializer, StrictSerializer
from ..views import WriteViewSet
from . import ledger_bulk as bulk
from .shared import IdFilter

# ---------------------------------------------------------------------------- fields

VALIDATORS = {
    "siren": validate_siren,
    "siret": validate_siret,
    "vat": validate_vat,
    "iban": validate_iban,
}


class IdentifierField(serializers.CharField):
    """SIREN, SIRET, VAT or IBAN written with spaces, dots or dashes: compacted first, then
    checked as the model checks it (the field is named in the problem)."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)
        self.validators.append(VALIDATORS[kind])

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        return "".join(c for c in text if c.isalnum()).upper()


class DateField(serializers.DateField):
    """An ISO 8601 date within the dates the law engine computes with."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)


@extend_schema_field(OpenApiTypes.INT)
class VisibleField(serializers.PrimaryKeyRelatedField):
    """The id of a row the key may see: another organisation's, or another mandant's, reads
    as an id that does not exist (nothing is learned)."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        view = self.context.get("view")
        if view is None or getattr(view, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.visible_to(view.member)


def model_errors(exc: DjangoValidationError, default_field: str) -> ValidationError:
    """A model's ValidationError as the API's, each message under its field (errors not
    tied to a field go under `default_field`)."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {
                (default_field if name == "__all__" else name): list(messages)
                for name, messages in exc.message_dict.items()
            }
        )
    return ValidationError({default_field: exc.messages})


# ---------------------------------------------------------------------------- creditors


class CreditorSerializer(StrictModelSerializer):
    siren = IdentifierField("siren")
    iban = IdentifierField("iban")

    class Meta:
        model = Creditor
        fields = [
            "id",
            "name",
            "siren",
            "email",
            "phone",
            "iban",
            "is_mandant",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class CreditorFilter(UpdatedSince):
    class Meta:
        model = Creditor
        fields = ["is_mandant", "siren"]


class CreditorViewSet(WriteViewSet):
    model = Creditor
    serializer_class = CreditorSerializer
    filterset_class = CreditorFilter
    ordering_fields: ClassVar[list[str]] = ["id", "name", "updated_at"]


# ---------------------------------------------------------------------------- debtors

NOTES_MAX = 5000
CONTACT_VALUE_MAX = 1000


class ContactSerializer(StrictModelSerializer):
    value = serializers.CharField(max_length=CONTACT_VALUE_MAX)

    class Meta:
        model = Contact
        fields = ["id", "kind", "label", "value", "created_at"]
        read_only_fields = ["id", "created_at"]


class DebtorSerializer(StrictModelSerializer):
    """A debtor with its contacts (read only here: POST debtors/{id}/contacts adds one).
    Validated as the model validates it: checksums of SIREN, SIRET, VAT and IBAN, no
    identifier for a person, a SIRET that starts with the SIREN (which it fills)."""

    siren = IdentifierField("siren")
    siret = IdentifierField("siret")
    vat_number = IdentifierField("vat")
    iban = IdentifierField("iban")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Debtor
        fields = [
            "id",
            "kind",
            "name",
            "siren",
            "siret",
            "vat_number",
            "email",
            "phone",
            "mobile",
            "iban",
            "customer_code",
            "risk_level",
            "notes",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "contacts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        debtor = copy.copy(self.instance) if self.instance is not None else Debtor()
        for name, value in attrs.items():
            setattr(debtor, name, value)
        try:
            debtor.clean()
        except DjangoValidationError as exc:
            raise model_errors(exc, "kind") from exc
        for name in ("siren", "siret", "vat_number"):
            if name in attrs or getattr(debtor, name) != getattr(self.instance, name, ""):
                attrs[name] = getattr(debtor, name)
        return attrs


class DebtorFilter(UpdatedSince):
    kind = django_filters.ChoiceFilter(choices=DebtorKind.choices)
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    q = django_filters.CharFilter(
        method="search",
        max_length=200,
        help_text=gettext_lazy("Recherche sans accents dans le nom, le SIREN, la ville…"),
    )

    class Meta:
        model = Debtor
        fields = ["kind", "risk_level", "siren", "customer_code"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in normalize(value).split()[:10]:
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class DebtorViewSet(WriteViewSet):
    model = Debtor
    serializer_class = DebtorSerializer
    filterset_class = DebtorFilter
    ordering_fields: ClassVar[list[str]] = ["id", "name", "updated_at"]
    write_scopes: ClassVar[dict[str, str]] = {"contacts": Scope.WRITE}

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("id")))
        )

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer})
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: Any = None) -> Response:
        """Add an e-mail address, a phone number or a postal address to the debtor."""
        debtor = self.get_object()
        serializer = ContactSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            contact = services.add_contact(debtor, **serializer.validated_data, actor=request.user)
        except DjangoValidationError as exc:
            raise model_errors(exc, "value") from exc
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------- claims


class ClaimSerializer(StrictModelSerializer):
    """A claim as read: its balance (principal less what payments allocated to it, those
    reversed aside), its currency and its case."""

    principal_cents = CentsField()
    paid_cents = CentsField(source="paid", read_only=True)
    balance_cents = serializers.IntegerField(source="balance", read_only=True)
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    creditor = serializers.IntegerField(source="creditor_id", read_only=True)
    debtor = serializers.IntegerField(source="debtor_id", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "creditor",
            "debtor",
            "case",
            "reference",
            "kind",
            "issue_date",
            "due_date",
            "principal_cents",
            "currency",
            "paid_cents",
            "balance_cents",
            "contractual_rate",
            "terms",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


TERMS_MAX = 2000


class ClaimCreateSerializer(StrictModelSerializer):
    """A new claim, filed in its debtor's case for this creditor (opened if none is)."""

    creditor = VisibleField(Creditor)
    debtor = VisibleField(Debtor)
    reference = serializers.CharField(max_length=60)
    issue_date = DateField()
    due_date = DateField()
    principal_cents = CentsField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="EUR")
    terms = serializers.CharField(required=False, allow_blank=True, max_length=TERMS_MAX)
    contractual_rate = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = Claim
        fields = [
            "creditor",
            "debtor",
            "reference",
            "kind",
            "issue_date",
            "due_date",
            "principal_cents",
            "currency",
            "contractual_rate",
            "terms",
        ]
        validators: ClassVar[list] = []  # the unique reference is checked by create_claim


class ClaimPatchSerializer(StrictSerializer):
    """What a ledger import may amend on a claim: its amount and its dates."""

    principal_cents = CentsField(required=False)
    issue_date = DateField(required=False)
    due_date = DateField(required=False)


# the upsert's names of a field, where they differ from the API's
UPSERT_FIELDS = {"amount_cents": "principal_cents"}


class ClaimFilter(UpdatedSince):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ClaimKind.choices)
    creditor = IdFilter(field_name="creditor_id")
    debtor = IdFilter(field_name="debtor_id")
    case = IdFilter(field_name="case_id")
    reference = django_filters.CharFilter(max_length=60)
    due_date_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    issue_date_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issue_date_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")

    class Meta:
        model = Claim
        fields: ClassVar[list[str]] = []


@extend_schema_view(
    create=extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer}),
    partial_update=extend_schema(request=ClaimPatchSerializer, responses={200: ClaimSerializer}),
)
class ClaimViewSet(WriteViewSet):
    model = Claim
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    ordering_fields: ClassVar[list[str]] = ["id", "due_date", "principal_cents", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().with_balance()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ClaimCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            claim = services.create_claim(
                self.member.organization_id, actor=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise model_errors(exc, "reference") from exc
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """PATCH: a new amount or new dates, amended as a ledger import amends them (the
        change told on the claim's case, in the audit log); the same values change nothing."""
        claim = self.get_object()
        serializer = ClaimPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        row = LedgerClaim(
            reference=claim.reference,
            issue_date=values.get("issue_date", claim.issue_date),
            due_date=values.get("due_date", claim.due_date),
            amount_cents=values.get("principal_cents", claim.principal_cents),
            debtor_id=claim.debtor_id,
        )
        with transaction.atomic():
            (outcome,) = upsert_claims(
                claim.organization_id,
                claim.creditor,
                [row],
                source=bulk.source(self.api_key),
                author_id=request.user.pk,
                audited=True,
            ).outcomes
            if outcome.result == ERROR:
                raise ValidationError(
                    {UPSERT_FIELDS.get(e.field, e.field): [reason(e)] for e in outcome.errors}
                )
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(
        request=bulk.BulkRequestSerializer,
        responses={200: bulk.BulkResponseSerializer},
        description=bulk.DESCRIPTION,
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        """Create or update up to 10,000 claims of one creditor by their reference."""
        return Response(bulk.upsert(self, request.data))


# ---------------------------------------------------------------------------- payments


class AllocationSerializer(serializers.ModelSerializer):
    claim = serializers.IntegerField(source="claim_id", read_only=True)
    to_fees = CentsField(read_only=True)
    to_interest = CentsField(read_only=True)
    to_principal = CentsField(read_only=True)

    class Meta:
        model = Allocation
        fields = ["claim", "to_fees", "to_interest", "to_principal"]
        read_only_fields = fields


class PaymentSerializer(StrictModelSerializer):
    """A payment and how it was allocated; `unallocated_cents` is what exceeded the claims
    (the debtor's credit)."""

    creditor = serializers.IntegerField(source="creditor_id", read_only=True)
    debtor = serializers.IntegerField(source="debtor_id", read_only=True)
    amount_cents = CentsField(read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    unallocated_cents = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "creditor",
            "debtor",
            "amount_cents",
            "currency",
            "received_on",
            "method",
            "reference",
            "label",
            "reversed_at",
            "allocations",
            "unallocated_cents",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_unallocated_cents(self, payment: Payment) -> int:
        allocated = sum(a.total_cents for a in payment.allocations.all())
        return payment.amount_cents - allocated


class PaymentCreateSerializer(StrictSerializer):
    """A payment received from a debtor for a creditor, allocated by law to the debtor's open
    claims of that creditor in that currency (C. civ. 1342-10): `claim` first when the
    debtor designated it, then the claims due before the others, the oldest first."""

    creditor = VisibleField(Creditor)
    debtor = VisibleField(Debtor)
    amount_cents = CentsField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="EUR")
    received_on = DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    label = serializers.CharField(required=False, allow_blank=True, max_length=200)
    claim = VisibleField(
        Claim,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("La créance que le débiteur désigne comme payée (facultatif)."),
    )

    def validate_amount_cents(self, value: int) -> int:
        if value <= 0:
            raise ValidationError(_("Un paiement est un montant positif."))
        return value


class PaymentFilter(UpdatedSince):
    creditor = IdFilter(field_name="creditor_id")
    debtor = IdFilter(field_name="debtor_id")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")
    reversed = django_filters.BooleanFilter(
        field_name="reversed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Payment
        fields: ClassVar[list[str]] = []


@extend_schema_view(
    create=extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer}),
)
class PaymentViewSet(WriteViewSet):
    model = Payment
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields: ClassVar[list[str]] = ["id", "received_on", "amount_cents", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    write_scope = Scope.PAYMENTS

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("allocations", queryset=Allocation.objects.order_by("id")))
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PaymentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        claim = data.get("claim")
        try:
            payment = services.record_payment(
                self.member.organization_id,
                creditor_id=data["creditor"].pk,
                debtor_id=data["debtor"].pk,
                amount_cents=data["amount_cents"],
                currency=data["currency"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data.get("reference", ""),
                label=data.get("label", ""),
                designated_claim_id=claim.pk if claim is not None else None,
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise model_errors(exc, "amount_cents") from exc
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


routes = [
    ("creditors", CreditorViewSet, "creditor"),
    ("debtors", DebtorViewSet, "debtor"),
    ("claims", ClaimViewSet, "claim"),
    ("payments", PaymentViewSet, "payment"),
]
paths: list = []
