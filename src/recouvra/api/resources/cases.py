"""API resources of the cases: cases and their statement of account, the timeline, disputes
and tasks (promises and payment plans: resources.plans). Every write goes through
recouvra.cases.services, the same functions the pages call; nothing is deleted,
interactions are never changed."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import django_filters
from django.db.models import F, Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.cases import services
from recouvra.cases.forms import MANUAL_KINDS
from recouvra.cases.models import (
    Case,
    CaseStatus,
    Direction,
    Dispute,
    Interaction,
    InteractionKind,
    Task,
    TaskKind,
)
from recouvra.core.validators import validate_date_in_range
from recouvra.lawdesk.statements import case_claims, settle
from recouvra.ledger.models import Claim

from ..filters import MomentFilter, UpdatedSince
from ..serializers import SignedCentsField, StrictModelSerializer, StrictSerializer
from ..views import ReadViewSet
from .shared import IdFilter

# A case's balance adds up its claims' balances, in the ledger's currency (the case page shows
# it so); promises are in that currency too.
CASE_CURRENCY = "EUR"
MAX_ID = 2**63 - 1  # ids are 64-bit: a larger one is an error, not a database overflow
MAX_TEXT = 10_000  # an interaction's text
MAX_REASON = 2_000  # a dispute's reason or outcome, a plan's conditions
MAX_NOTE = 1_000  # the report of a task done (the page keeps 1,000 characters)


class Conflict(exceptions.APIException):
    """The change asked for was made already, or cannot be made from the current state."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


# ---------------------------------------------------------------- filters


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def flag(field_name: str, lookup_expr: str = "exact", **kwargs: Any) -> django_filters.Filter:
    """A true/false query parameter."""
    return django_filters.BooleanFilter(
        field_name=field_name, lookup_expr=lookup_expr, widget=BooleanWidget, **kwargs
    )


class OnCaseFilter(UpdatedSince):
    case = IdFilter(field_name="case_id")


# ---------------------------------------------------------------- shared fields


class StrictId(serializers.PrimaryKeyRelatedField):
    """An id is a JSON integer: "12", 12.0 or true are refused, as the schema says."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class Visible(StrictId):
    """An id among the rows the key may see: another organisation's reads as a missing one."""

    model: ClassVar[type[Model]]

    def get_queryset(self) -> QuerySet:
        return self.model.objects.visible_to(self.context["view"].member)


@extend_schema_field(ID_SCHEMA)
class VisibleCase(Visible):
    model = Case


@extend_schema_field(ID_SCHEMA)
class VisibleClaim(Visible):
    model = Claim


@extend_schema_field(ID_SCHEMA)
class AssignableUser(StrictId):
    """A user of the organisation who works the cases (an administrator, agent or field
    collector), as the case page offers them."""

    def get_queryset(self) -> QuerySet:
        return services.assignable_users(self.context["view"].member.organization_id)


def bounded_date(**kwargs: Any) -> serializers.DateField:
    """A date (YYYY-MM-DD) within the range the law engine computes with."""
    return serializers.DateField(validators=[validate_date_in_range], **kwargs)


def check_datetime_in_range(moment: Any) -> None:
    validate_date_in_range(moment.date())


# for the records only an open case may get (a promise, a plan, a dispute, a task)
class OpenCaseMixin:
    def validate_case(self, case: Case) -> Case:
        if case.is_closed:
            raise serializers.ValidationError(_("Ce dossier est clos."))
        return case


class NoBody(StrictSerializer):
    """The actions that need nothing: any field sent is refused."""


def nothing_sent(request: Request) -> None:
    NoBody(data=request.data).is_valid(raise_exception=True)


# ---------------------------------------------------------------- cases


class CaseSerializer(StrictModelSerializer):
    balance_cents = SignedCentsField(read_only=True)
    currency = serializers.SerializerMethodField()
    claims = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "debtor",
            "creditor",
            "assigned_to",
            "legal_partner",
            "opened_on",
            "closed_on",
            "formal_notice_on",
            "judgment_enforceable_on",
            "insolvency_opened_on",
            "balance_cents",
            "currency",
            "claims",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, case: Case) -> str:
        return CASE_CURRENCY


class CaseFilter(UpdatedSince):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    debtor = IdFilter(field_name="debtor_id")
    creditor = IdFilter(field_name="creditor_id")
    assigned_to = IdFilter(field_name="assigned_to_id")

    class Meta:
        model = Case
        fields = ["status", "debtor", "creditor", "assigned_to"]


class StageSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)


class StatementQuery(StrictSerializer):
    as_of = bounded_date(required=False)


@extend_schema_field({"type": "string", "format": "decimal", "example": "15.21"})
class RateField(serializers.Field):
    """A rate in percent per year, as a decimal string (as `recouvra law … --json` gives it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return str(value)


class PeriodSerializer(StrictSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    year_basis = serializers.IntegerField(source="basis", help_text=_("365 ou 366 jours."))
    rate = RateField()
    label = serializers.CharField()
    amount_cents = serializers.IntegerField(source="cents")
    verified = serializers.BooleanField(help_text=_("Faux : taux à confirmer."))
    at_floor = serializers.BooleanField(
        help_text=_("Plancher légal appliqué au lieu du taux contractuel (C. com. L441-10 II).")
    )
    refused_rate = RateField(allow_null=True, help_text=_("Le taux contractuel écarté."))


class AppliedPaymentSerializer(StrictSerializer):
    payment_reference = serializers.CharField(source="payment_ref")
    received_on = serializers.DateField()
    to_fees_cents = serializers.IntegerField(source="to_fees")
    to_interest_cents = serializers.IntegerField(source="to_interest")
    to_principal_cents = serializers.IntegerField(source="to_principal")
    total_cents = serializers.IntegerField(source="total")


class MissingRateSerializer(StrictSerializer):
    what = serializers.CharField()
    on = serializers.CharField()
    reason = serializers.ChoiceField(choices=["missing", "unverified"])
    message = serializers.CharField(source="message_fr")


class FloorSpanSerializer(StrictSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    floor = RateField()
    refused_rate = RateField()


class StatementLineSerializer(StrictSerializer):
    claim = serializers.SerializerMethodField()
    reference = serializers.CharField(source="claim.ref")
    currency = serializers.CharField(source="claim.currency")
    due_date = serializers.DateField(source="claim.due_date")
    principal_cents = serializers.IntegerField(source="claim.principal_cents")
    basis = serializers.CharField(
        help_text=_("L441-10 (entre professionnels), 1231-6 (consommateur mis en demeure) ou vide.")
    )
    interest_periods = PeriodSerializer(many=True)
    interest_until = serializers.DateField(allow_null=True)
    interest_cents = serializers.IntegerField()
    fees_cents = serializers.IntegerField()
    payments = AppliedPaymentSerializer(many=True)
    principal_due_cents = serializers.IntegerField(source="principal_due")
    interest_due_cents = serializers.IntegerField(source="interest_due")
    fees_due_cents = serializers.IntegerField(source="fees_due")
    balance_cents = serializers.IntegerField()
    verified = serializers.BooleanField()
    missing_rate = MissingRateSerializer(allow_null=True)
    floor_spans = FloorSpanSerializer(many=True)
    floor_mention = serializers.CharField(
        source="floor_mention_fr", help_text=_("Ce que disent les courriers du plancher légal.")
    )

    @extend_schema_field(OpenApiTypes.INT)
    def get_claim(self, line: Any) -> int:
        return self.context["claim_ids"][line.claim.ref]


class StatementTotalsSerializer(StrictSerializer):
    principal_cents = serializers.IntegerField()
    interest_cents = serializers.IntegerField()
    fees_cents = serializers.IntegerField()
    paid_cents = serializers.IntegerField()
    credit_cents = serializers.IntegerField(help_text=_("Trop-perçu conservé au crédit."))
    balance_cents = serializers.IntegerField()


class StatementSerializer(StrictSerializer):
    case = serializers.IntegerField()
    as_of = serializers.DateField()
    currency = serializers.CharField()
    refusal = serializers.CharField(
        allow_null=True,
        help_text=_("Pourquoi le décompte ne peut pas être établi (alors sans chiffres)."),
    )
    day_count = serializers.CharField(allow_null=True)
    allocation_order = serializers.ListField(child=serializers.CharField())
    verified = serializers.BooleanField(allow_null=True)
    missing_rates = MissingRateSerializer(many=True)
    claims = StatementLineSerializer(many=True)
    totals = StatementTotalsSerializer(allow_null=True)


def statement_data(case: Case, claims: list[Claim], as_of: date) -> dict[str, Any]:
    statement, error, refused = settle(claims, as_of)
    refusal = refused or error
    shown = None if refusal else statement
    return {
        "case": case.pk,
        "as_of": as_of,
        "currency": CASE_CURRENCY,
        "refusal": refusal or None,
        "day_count": shown.day_count if shown else None,
        "allocation_order": list(shown.allocation_order) if shown else [],
        "verified": shown.verified if shown else None,
        "missing_rates": shown.missing_rates if shown else [],
        "claims": shown.lines if shown else [],
        "totals": shown,
    }


CLAIM_IDS = Prefetch("claims", queryset=Claim.objects.only("id", "case_id").order_by("id"))


class CaseViewSet(ReadViewSet):
    """Cases are opened by their claims (POST /claims); their stage moves through /stage."""

    model = Case
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields: ClassVar[list[str]] = ["id", "opened_on", "updated_at", "balance_cents"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        cases = super().get_queryset().with_balance().annotate(balance_cents=F("balance"))
        return cases.prefetch_related(CLAIM_IDS)

    @extend_schema(
        request=StageSerializer,
        responses={200: CaseSerializer},
        summary=_("Changer l'étape du dossier"),
        description=_(
            "Comme la page du dossier : l'étape, la date de clôture, le journal d'audit et "
            "l'historique ensemble. Déjà à cette étape : rien ne change."
        ),
    )
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        incoming = StageSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.change_stage(case, incoming.validated_data["status"], actor=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description=_("Date d'arrêté du décompte (AAAA-MM-JJ) ; aujourd'hui par défaut."),
            )
        ],
        responses={200: StatementSerializer},
        summary=_("Décompte du dossier"),
        description=_(
            "Le décompte de la page du dossier (créances ouvertes) : intérêts période par "
            "période avec leur taux, plancher légal, indemnité forfaitaire, paiements imputés. "
            "Un refus du moteur de calcul est dit dans `refusal`, sans chiffres ; un taux "
            "manquant arrête les intérêts et figure dans `missing_rates`."
        ),
    )
    @action(detail=True, methods=["get"])
    def statement(self, request: Request, pk: Any = None) -> Response:
        case = self.get_object()
        query = StatementQuery(data={k: v for k, v in request.query_params.items() if k == "as_of"})
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        claims = case_claims(case, self.member)
        data = statement_data(case, claims, as_of)
        context = {"claim_ids": {claim.reference: claim.pk for claim in claims}}
        return Response(StatementSerializer(data, context=context).data)


# ---------------------------------------------------------------- records of a case


class RecordViewSet(ReadViewSet):
    """List, read and create (through a service); the status changes are actions."""

    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    create_serializer_class: ClassVar[type[serializers.Serializer]]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("case")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.create_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        obj = self.make(dict(incoming.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def make(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def changed(self, obj: Model, done: bool, refusal: str) -> Response:
        if not done:
            raise Conflict(refusal)
        return Response(self.get_serializer(obj).data)


def created(read: type[serializers.Serializer], write: type[serializers.Serializer]) -> Any:
    return extend_schema_view(create=extend_schema(request=write, responses={201: read}))


def change(read: type[serializers.Serializer], summary: str, request: Any = None) -> Any:
    return extend_schema(request=request, responses={200: read}, summary=summary)


# -- interactions (the timeline)


class InteractionSerializer(StrictModelSerializer):
    author_name = serializers.CharField(source="author.full_name", allow_null=True, read_only=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "case",
            "kind",
            "channel",
            "direction",
            "occurred_at",
            "author",
            "author_name",
            "text",
            "has_attachment",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_attachment(self, interaction: Interaction) -> bool:
        return bool(interaction.attachment)


class NewInteractionSerializer(StrictSerializer):
    case = VisibleCase()
    kind = serializers.ChoiceField(choices=MANUAL_KINDS)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.OUTBOUND)
    text = serializers.CharField(max_length=MAX_TEXT)


class InteractionFilter(OnCaseFilter):
    kind = django_filters.ChoiceFilter(choices=InteractionKind.choices)
    since = MomentFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Interaction
        fields = ["case", "kind"]


@created(InteractionSerializer, NewInteractionSerializer)
class InteractionViewSet(RecordViewSet):
    """The case timeline: recorded, read, never changed nor deleted (a correction is a new
    entry)."""

    model = Interaction
    serializer_class = InteractionSerializer
    create_serializer_class = NewInteractionSerializer
    filterset_class = InteractionFilter
    ordering_fields: ClassVar[list[str]] = ["id", "occurred_at"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("author")

    def make(self, data: dict[str, Any]) -> Model:
        return services.record_interaction(data.pop("case"), actor=self.request.user, **data)


# -- disputes


class DisputeSerializer(StrictModelSerializer):
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "case",
            "claim",
            "reason",
            "opened_on",
            "is_open",
            "closed_on",
            "resolution",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_open(self, dispute: Dispute) -> bool:
        return dispute.closed_on is None


class NewDisputeSerializer(OpenCaseMixin, StrictSerializer):
    case = VisibleCase()
    claim = VisibleClaim(required=False, allow_null=True, help_text=_("Vide : tout le dossier."))
    reason = serializers.CharField(max_length=MAX_REASON)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        claim = data.get("claim")
        if claim is not None and claim.case_id != data["case"].pk:
            raise serializers.ValidationError({"claim": _("Cette créance est d'un autre dossier.")})
        return data


class ResolutionSerializer(StrictSerializer):
    resolution = serializers.CharField(max_length=MAX_REASON)
    closed_on = bounded_date(required=False, help_text=_("Aujourd'hui par défaut."))


class DisputeFilter(OnCaseFilter):
    is_open = flag("closed_on", "isnull")
    claim = IdFilter(field_name="claim_id")

    class Meta:
        model = Dispute
        fields = ["case", "claim", "is_open"]


@created(DisputeSerializer, NewDisputeSerializer)
class DisputeViewSet(RecordViewSet):
    """An open dispute pauses the dunning of its case."""

    model = Dispute
    serializer_class = DisputeSerializer
    create_serializer_class = NewDisputeSerializer
    filterset_class = DisputeFilter
    ordering_fields: ClassVar[list[str]] = ["id", "opened_on", "updated_at"]

    def make(self, data: dict[str, Any]) -> Model:
        return services.open_dispute(data.pop("case"), actor=self.request.user, **data)

    @change(DisputeSerializer, _("Clore le litige"), ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        dispute = self.get_object()
        incoming = ResolutionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        on = incoming.validated_data.get("closed_on") or timezone.localdate()
        if on < dispute.opened_on or on > timezone.localdate():
            raise serializers.ValidationError(
                {"closed_on": _("Entre l'ouverture du litige et aujourd'hui.")}
            )
        resolution = incoming.validated_data["resolution"]
        done = services.resolve_dispute(dispute, resolution=resolution, on=on, actor=request.user)
        return self.changed(dispute, done, _("Ce litige est déjà clos."))


# -- tasks


class TaskSerializer(StrictModelSerializer):
    is_done = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "case",
            "kind",
            "title",
            "assigned_to",
            "due_on",
            "not_before",
            "is_done",
            "done_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_done(self, task: Task) -> bool:
        return task.done_at is not None


class NewTaskSerializer(OpenCaseMixin, StrictSerializer):
    case = VisibleCase()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    title = serializers.CharField(max_length=200)
    due_on = bounded_date()
    assigned_to = AssignableUser(required=False, allow_null=True)
    not_before = serializers.DateTimeField(
        required=False, allow_null=True, validators=[check_datetime_in_range]
    )


class TaskDoneSerializer(StrictSerializer):
    note = serializers.CharField(max_length=MAX_NOTE, required=False, allow_blank=True)


class TaskFilter(OnCaseFilter):
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    assigned_to = IdFilter(field_name="assigned_to_id")
    is_done = flag("done_at", "isnull", exclude=True)
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields = ["case", "kind", "assigned_to", "is_done"]


@created(TaskSerializer, NewTaskSerializer)
class TaskViewSet(RecordViewSet):
    model = Task
    serializer_class = TaskSerializer
    create_serializer_class = NewTaskSerializer
    filterset_class = TaskFilter
    ordering_fields: ClassVar[list[str]] = ["id", "due_on", "updated_at"]

    def make(self, data: dict[str, Any]) -> Model:
        return services.create_task(data.pop("case"), actor=self.request.user, **data)

    @change(TaskSerializer, _("Tâche faite"), TaskDoneSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: Any = None) -> Response:
        task = self.get_object()
        incoming = TaskDoneSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        note = incoming.validated_data.get("note", "")
        done = services.complete_task(task, note=note, actor=request.user)
        return self.changed(task, done, _("Cette tâche était déjà faite."))


routes = [
    ("cases", CaseViewSet, "case"),
    ("interactions", InteractionViewSet, "interaction"),
    ("disputes", DisputeViewSet, "dispute"),
    ("tasks", TaskViewSet, "task"),
]
paths: list = []
