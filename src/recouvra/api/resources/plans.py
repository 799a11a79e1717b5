"""API resources of promises to pay and payment plans (with their instalments). Every write
goes through recouvra.cases.plans, the functions the pages call; a promise's status and a
plan's instalments are decided by the server from the payments, never sent."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.cases import plans
from recouvra.cases.models import (
    PaymentPlan,
    PlanFrequency,
    PlanInstalment,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recouvra.law.instalments import MAX_INSTALMENTS
from recouvra.law.money import MAX_CENTS

from ..serializers import CentsField, StrictModelSerializer, StrictSerializer
from .cases import (
    CASE_CURRENCY,
    MAX_REASON,
    OnCaseFilter,
    OpenCaseMixin,
    RecordViewSet,
    VisibleCase,
    bounded_date,
    change,
    created,
)
from .ledger import model_errors


def service_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    return model_errors(exc, "case")


# ---------------------------------------------------------------- promises


class PromiseSerializer(StrictModelSerializer):
    amount_cents = CentsField(read_only=True)
    paid_cents = CentsField(
        read_only=True, help_text=_("Reçu depuis la promesse, à sa dernière décision.")
    )
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Promise
        fields = [
            "id",
            "case",
            "amount_cents",
            "currency",
            "promised_on",
            "status",
            "paid_cents",
            "decided_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, promise: Promise) -> str:
        return CASE_CURRENCY


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_CENTS})
class PositiveCents(CentsField):
    pass


class NewPromiseSerializer(OpenCaseMixin, StrictSerializer):
    case = VisibleCase()
    amount_cents = PositiveCents(help_text=_("Au plus le solde dû aujourd'hui."))
    promised_on = bounded_date(help_text=_("Aujourd'hui ou plus tard."))

    def validate_amount_cents(self, cents: int) -> int:
        if cents <= 0:
            raise serializers.ValidationError(_("Le montant promis doit être positif."))
        return cents


class PromiseFilter(OnCaseFilter):
    status = django_filters.ChoiceFilter(choices=PromiseStatus.choices)

    class Meta:
        model = Promise
        fields = ["case", "status"]


@created(PromiseSerializer, NewPromiseSerializer)
class PromiseViewSet(RecordViewSet):
    """A promise pauses the dunning of its case until its date. The server decides it: kept
    as soon as the payments reach its amount (less the organisation's tolerance), broken
    once its date and the grace days have passed without that."""

    model = Promise
    serializer_class = PromiseSerializer
    create_serializer_class = NewPromiseSerializer
    filterset_class = PromiseFilter
    ordering_fields: ClassVar[list[str]] = ["id", "promised_on", "updated_at"]

    def make(self, data: dict[str, Any]) -> Model:
        try:
            return plans.record_promise(data.pop("case"), actor=self.request.user, **data)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc


# ---------------------------------------------------------------- payment plans


class InstalmentSerializer(StrictModelSerializer):
    amount_cents = CentsField(read_only=True)
    paid_cents = CentsField(read_only=True)

    class Meta:
        model = PlanInstalment
        fields = [
            "id",
            "number",
            "due_on",
            "amount_cents",
            "paid_cents",
            "status",
            "settled_on",
            "reduced",
        ]
        read_only_fields = fields


class PaymentPlanSerializer(StrictModelSerializer):
    total_cents = CentsField(read_only=True)
    down_payment_cents = CentsField(read_only=True)
    reduced_amount_cents = CentsField(read_only=True)
    currency = serializers.SerializerMethodField()
    instalments = InstalmentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentPlan
        fields = [
            "id",
            "case",
            "status",
            "agreed_on",
            "starts_on",
            "frequency",
            "total_cents",
            "currency",
            "down_payment_cents",
            "reduced_count",
            "reduced_amount_cents",
            "interest_waived",
            "direct_debit",
            "lapsed_on",
            "notes",
            "instalments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, plan: PaymentPlan) -> str:
        return CASE_CURRENCY


class NewPaymentPlanSerializer(OpenCaseMixin, StrictSerializer):
    case = VisibleCase()
    starts_on = bounded_date(help_text=_("La première échéance (l'acompte) : pas dans le passé."))
    frequency = serializers.ChoiceField(
        choices=PlanFrequency.choices, default=PlanFrequency.MONTHLY
    )
    count = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INSTALMENTS,
        required=False,
        allow_null=True,
        help_text=_("Nombre d'échéances après l'acompte ; ou bien `instalment_cents`."),
    )
    instalment_cents = PositiveCents(
        required=False, allow_null=True, help_text=_("Montant d'une échéance ; ou bien `count`.")
    )
    total_cents = PositiveCents(
        required=False,
        allow_null=True,
        help_text=_("Vide : le solde dû aujourd'hui ; sinon au moins ce solde."),
    )
    down_payment_cents = CentsField(default=0)
    reduced_count = serializers.IntegerField(min_value=0, max_value=MAX_INSTALMENTS, default=0)
    reduced_amount_cents = CentsField(default=0)
    interest_waived = serializers.BooleanField(default=False)
    direct_debit = serializers.BooleanField(default=False)
    notes = serializers.CharField(max_length=MAX_REASON, required=False, allow_blank=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if (data.get("count") is None) == (data.get("instalment_cents") is None):
            raise serializers.ValidationError(
                {"count": _("Indiquez soit le nombre d'échéances, soit le montant d'une échéance.")}
            )
        return data


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=MAX_REASON)


class PaymentPlanFilter(OnCaseFilter):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = PaymentPlan
        fields = ["case", "status"]


@created(PaymentPlanSerializer, NewPaymentPlanSerializer)
class PaymentPlanViewSet(RecordViewSet):
    """An active plan pauses the dunning of its case. Its instalments are followed against
    the payments; one unpaid past the organisation's grace makes it lapse (status broken)."""

    model = PaymentPlan
    serializer_class = PaymentPlanSerializer
    create_serializer_class = NewPaymentPlanSerializer
    filterset_class = PaymentPlanFilter
    ordering_fields: ClassVar[list[str]] = ["id", "starts_on", "updated_at"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().prefetch_related("instalments")

    def make(self, data: dict[str, Any]) -> Model:
        try:
            plan = plans.record_plan(data.pop("case"), actor=self.request.user, **data)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return self.get_queryset().get(pk=plan.pk)

    @change(PaymentPlanSerializer, _("Annuler l'échéancier"), CancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        plan = self.get_object()
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        done = plans.cancel_plan(plan, reason=incoming.validated_data["reason"], actor=request.user)
        return self.changed(plan, done, _("Cet échéancier n'est plus en cours."))


routes = [
    ("promises", PromiseViewSet, "promise"),
    ("payment-plans", PaymentPlanViewSet, "payment-plan"),
]
paths: list = []
