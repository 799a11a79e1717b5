"""API of the work queues: an agent's queue (ordered by priority, with the reasons), the
assignment rules and bulk reassignment (a case's next action: cases/{id}/next-action/).
Every write goes through recouvra.cases.queue, as the pages do."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.cases import queue
from recouvra.cases.models import AssignmentRule, Case, CaseStatus
from recouvra.ledger.models import Creditor

from ..serializers import CentsField, SignedCentsField, StrictModelSerializer, StrictSerializer
from ..views import ReadViewSet, WriteViewSet
from .cases import ID_SCHEMA, AssignableUser, Visible, as_api_error, nothing_sent
from .shared import IdFilter

REASON_KEYS = list(queue.REASONS)


# ---------------------------------------------------------------- the queue


class QueueEntrySerializer(StrictModelSerializer):
    balance_cents = SignedCentsField(read_only=True)
    reasons = serializers.SerializerMethodField()
    reason_labels = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "debtor",
            "creditor",
            "assigned_to",
            "priority",
            "reasons",
            "reason_labels",
            "balance_cents",
            "next_action",
            "next_action_on",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": REASON_KEYS}})
    def get_reasons(self, case: Case) -> list[str]:
        return [key for key in case.priority_reasons or [] if key in queue.REASONS]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_reason_labels(self, case: Case) -> list[str]:
        return queue.reason_labels(case.priority_reasons or [])


class QueueFilter(django_filters.FilterSet):
    agent = IdFilter(field_name="assigned_to_id", label=_("L'agent dont c'est la file."))
    unassigned = django_filters.BooleanFilter(
        field_name="assigned_to", lookup_expr="isnull", label=_("Les dossiers sans agent.")
    )
    creditor = IdFilter(field_name="creditor_id")
    status = django_filters.ChoiceFilter(
        choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.CLOSED]
    )
    reason = django_filters.ChoiceFilter(
        choices=list(queue.REASONS.items()), method="with_reason", label=_("Raison")
    )

    class Meta:
        model = Case
        fields = ["agent", "creditor", "status", "reason"]

    def with_reason(self, cases: QuerySet, name: str, value: str) -> QuerySet:
        return cases.filter(priority_reasons__icontains=f'"{value}"')


class ByPriority(CursorPagination):
    """The queue's order: the most urgent first, then the oldest case."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-priority", "id")


@extend_schema_field({"type": "array", "items": ID_SCHEMA, "minItems": 1, "maxItems": 5000})
class CaseIds(serializers.ListField):
    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def to_internal_value(self, data: Any) -> list[int]:
        if isinstance(data, list) and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in data
        ):
            raise serializers.ValidationError(_("Une liste d'identifiants (entiers JSON)."))
        return super().to_internal_value(data)


class ReassignSerializer(StrictSerializer):
    cases = CaseIds(min_length=1, max_length=queue.MAX_REASSIGNED)
    user = AssignableUser(allow_null=True, help_text=_("Vide : les dossiers n'ont plus d'agent."))


class ReassignedSerializer(StrictSerializer):
    reassigned = serializers.IntegerField(help_text=_("Dossiers qui ont changé d'agent."))


class QueueViewSet(ReadViewSet):
    """The open cases ordered as a work queue (priority, then id), with why each is
    urgent: `?agent=<user id>` for one agent's queue. The priority is computed every day
    and after each payment, promise or plan."""

    model = Case
    serializer_class = QueueEntrySerializer
    filterset_class = QueueFilter
    pagination_class = ByPriority
    filter_backends: ClassVar[list] = ReadViewSet.filter_backends[:1]  # the order is fixed
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().active()

    def paginate_queryset(self, queryset: QuerySet) -> list[Case] | None:
        """The page's order on two columns, then its cases read with their balance
        (queue.first_cases says why)."""
        page = super().paginate_queryset(queryset.only("id", "priority"))
        return self._balanced([case.pk for case in page]) if page is not None else None

    def get_object(self) -> Case:
        return self._balanced([super().get_object().pk])[0]

    @staticmethod
    def _balanced(ids: list[int]) -> list[Case]:
        rows = queue.cases_with_balance(ids)
        for case in rows:
            case.balance_cents = case.balance
        return rows

    @extend_schema(
        request=ReassignSerializer,
        responses={200: ReassignedSerializer},
        summary=_("Réattribuer des dossiers"),
        description=_(
            "Tous les dossiers à un agent (ou à personne), avec le journal d'audit et "
            "l'historique de chaque dossier. Un dossier inconnu ou d'une autre organisation "
            "rend toute la demande introuvable (404) : rien n'est changé."
        ),
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request: Request) -> Response:
        incoming = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            moved = queue.reassign_cases(
                self.member, data["cases"], data["user"], actor=request.user
            )
        except Case.DoesNotExist as exc:
            raise Http404 from exc
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response({"reassigned": moved})


# ---------------------------------------------------------------- assignment rules


@extend_schema_field({**ID_SCHEMA, "nullable": True})
class VisibleCreditor(Visible):
    model = Creditor


class AssignmentRuleSerializer(StrictModelSerializer):
    creditor = VisibleCreditor(required=False, allow_null=True, help_text=_("Vide : tous."))
    assign_to = AssignableUser()
    min_cents = CentsField(required=False, allow_null=True)
    max_cents = CentsField(required=False, allow_null=True)
    postcode_prefix = serializers.RegexField(
        r"^[0-9A-Za-z]{0,5}$", required=False, allow_blank=True, max_length=5
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)

    class Meta:
        model = AssignmentRule
        fields = [
            "id",
            "position",
            "creditor",
            "min_cents",
            "max_cents",
            "postcode_prefix",
            "assign_to",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        low = data.get("min_cents", getattr(instance, "min_cents", None))
        high = data.get("max_cents", getattr(instance, "max_cents", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"max_cents": _("Le maximum doit être au moins égal au minimum.")}
            )
        return data


class RuleFilter(django_filters.FilterSet):
    assign_to = IdFilter(field_name="assign_to_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = AssignmentRule
        fields = ["assign_to", "is_active"]


class AppliedSerializer(StrictSerializer):
    assigned = serializers.IntegerField(help_text=_("Dossiers attribués."))


class AssignmentRuleViewSet(WriteViewSet):
    """Who gets a new case: the first active rule (by position, then id) whose conditions
    all hold. Changed with the `write` scope; a rule is switched off (is_active) rather
    than deleted."""

    model = AssignmentRule
    serializer_class = AssignmentRuleSerializer
    filterset_class = RuleFilter
    ordering_fields: ClassVar[list[str]] = ["id", "position"]

    def organisation_wide(self) -> None:
        """The rules are the organisation's: a key restricted to a mandant reads them only."""
        if self.member.creditor_id:
            raise PermissionDenied(_("Une clé restreinte à un mandant ne change pas les règles."))

    def perform_create(self, serializer: Any) -> None:
        self.organisation_wide()
        with transaction.atomic():
            super().perform_create(serializer)

    def perform_update(self, serializer: Any) -> None:
        self.organisation_wide()
        with transaction.atomic():
            super().perform_update(serializer)

    @extend_schema(
        request=None,
        responses={200: AppliedSerializer},
        summary=_("Appliquer les règles"),
        description=_("Les règles actives, une fois de plus, sur les dossiers ouverts sans agent."),
    )
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        nothing_sent(request)
        self.organisation_wide()
        return Response({"assigned": queue.apply_rules(self.member, actor=request.user)})


routes = [
    ("queue", QueueViewSet, "queue"),
    ("assignment-rules", AssignmentRuleViewSet, "assignment-rule"),
]
paths: list = []
