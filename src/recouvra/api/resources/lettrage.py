"""Lettrage through the API: bank lines, the engine's match proposals, and the agent's
decisions on them (accept, change, reject) through lettrage.reconcile, as on the queue page.

Deciding needs the `payments` scope (a decision records a payment); a key restricted to a
mandant only reads, as a mandant does on the pages. A proposal decided meanwhile (by an
agent, another call) is a 409 problem with the reason; accepting an applied proposal again
answers it as it is (the same payment), as rejecting a rejected one does.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.core.models import Role
from recouvra.imports.models import BankAccount, BankLine, UnappliedReason
from recouvra.ledger.models import Claim
from recouvra.lettrage.models import MatchProposal, ProposalStatus

from ..filters import MomentFilter
from ..models import Scope
from ..serializers import SignedCentsField, StrictModelSerializer, StrictSerializer
from ..views import ReadViewSet
from .shared import (
    BlankAsNullChoiceField,
    MayWrite,
    cents_filter,
    conflict,
    id_filter,
    problems,
    read_schema,
)

MAX_CHOSEN = 100  # claims one payment may settle when an agent changes a proposal

REASON_SCHEMA = {
    "type": "object",
    "properties": {
        "signal": {"type": "string"},
        "detail": {"type": "string"},
        "points": {"type": "integer"},
    },
    "required": ["signal", "detail", "points"],
}


def reasons_of(items: Any) -> list[dict[str, Any]]:
    """The engine's reasons as stored (signal, detail, points), whatever else they hold."""
    return [
        {
            "signal": str(item.get("signal", "")),
            "detail": str(item.get("detail", "")),
            "points": int(item.get("points") or 0),
        }
        for item in items or ()
        if isinstance(item, dict)
    ]


# ---------------------------------------------------------------- bank lines


class BankAccountSerializer(StrictModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "identifier", "currency", "label"]
        read_only_fields = fields


class BankLineSerializer(StrictModelSerializer):
    account = BankAccountSerializer(read_only=True)
    unapplied_reason = BlankAsNullChoiceField(
        UnappliedReason.choices,
        help_text=_("Pourquoi ce crédit ne règle rien chez nous (statut unapplied), sinon null."),
    )
    amount_cents = SignedCentsField(read_only=True, help_text=_("Crédit positif, en centimes."))

    class Meta:
        model = BankLine
        fields = [
            "id",
            "account",
            "batch",
            "booking_date",
            "value_date",
            "amount_cents",
            "currency",
            "label",
            "reference",
            "end_to_end_id",
            "mandate_reference",
            "counterparty_name",
            "counterparty_iban",
            "status",
            "unapplied_reason",
            "unapplied_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BankLineFilter(django_filters.FilterSet):
    booking_date = django_filters.DateFromToRangeFilter(
        help_text=_("booking_date_after / booking_date_before (AAAA-MM-JJ, inclus).")
    )
    amount_cents = cents_filter("amount_cents")
    amount_min = cents_filter("amount_cents", "gte")
    amount_max = cents_filter("amount_cents", "lte")
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")
    account = id_filter("account_id")
    batch = id_filter("batch_id")

    class Meta:
        model = BankLine
        fields = ["status", "account", "batch", "amount_cents"]


@extend_schema_view(**read_schema(BankLineSerializer))
class BankLineViewSet(ReadViewSet):
    model = BankLine
    serializer_class = BankLineSerializer
    filterset_class = BankLineFilter
    ordering_fields: ClassVar[list[str]] = ["id", "booking_date", "amount_cents", "updated_at"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("account")


# ---------------------------------------------------------------- match proposals


class ProposedClaimSerializer(StrictModelSerializer):
    principal_cents = SignedCentsField(read_only=True)
    balance_cents = SignedCentsField(
        source="balance", read_only=True, help_text=_("Principal restant dû.")
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "reference",
            "creditor",
            "debtor",
            "currency",
            "principal_cents",
            "balance_cents",
            "due_date",
            "status",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "array", "items": REASON_SCHEMA})
class ReasonsField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return reasons_of(value)


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "debtor": {"type": "integer", "nullable": True},
                "claims": {"type": "array", "items": {"type": "integer"}},
                "score": {"type": "integer"},
                "reasons": {"type": "array", "items": REASON_SCHEMA},
            },
            "required": ["debtor", "claims", "score", "reasons"],
        },
    }
)
class AlternativesField(serializers.Field):
    """The engine's next best candidates, best first; for a key restricted to a mandant,
    only what it may see of them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        found = [alt for alt in value or () if isinstance(alt, dict)]
        claim_ids = [int(pk) for alt in found for pk in alt.get("claim_ids") or ()]
        visible = self.parent.context["view"].visible_claim_ids(claim_ids)
        return [self._one(alt, visible) for alt in found]

    @staticmethod
    def _one(alt: dict[str, Any], visible: set[int] | None) -> dict[str, Any]:
        claims = [int(pk) for pk in alt.get("claim_ids") or ()]
        if visible is not None:
            claims = [pk for pk in claims if pk in visible]
        shown = visible is None or bool(claims)  # a debtor known only by hidden claims: none
        return {
            "debtor": alt.get("debtor_id") if shown else None,
            "claims": claims,
            "score": int(alt.get("score") or 0),
            "reasons": reasons_of(alt.get("reasons")),
        }


class ProposedLineSerializer(StrictModelSerializer):
    amount_cents = SignedCentsField(read_only=True)

    class Meta:
        model = BankLine
        fields = [
            "id",
            "booking_date",
            "amount_cents",
            "currency",
            "label",
            "reference",
            "counterparty_name",
            "status",
        ]
        read_only_fields = fields


class MatchProposalSerializer(StrictModelSerializer):
    bank_line = ProposedLineSerializer(read_only=True)
    claims = ProposedClaimSerializer(many=True, read_only=True)
    reasons = ReasonsField()
    alternatives = AlternativesField()

    class Meta:
        model = MatchProposal
        fields = [
            "id",
            "status",
            "score",
            "bank_line",
            "debtor",
            "claims",
            "reasons",
            "alternatives",
            "payment",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MatchProposalFilter(django_filters.FilterSet):
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")
    bank_line = id_filter("bank_line_id")
    debtor = id_filter("debtor_id")

    class Meta:
        model = MatchProposal
        fields = ["status", "bank_line", "debtor"]


class ChangeSerializer(StrictSerializer):
    claims = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_CHOSEN,
        help_text=_("Les créances que ce paiement règle (d'un seul dossier), à la place."),
    )


# 400 and 422: an Idempotency-Key too long, or reused with another request
DECISION_PROBLEMS = problems(400, 401, 403, 404, 409, 422, 429)


@extend_schema_view(**read_schema(MatchProposalSerializer))
class MatchProposalViewSet(ReadViewSet):
    model = MatchProposal
    serializer_class = MatchProposalSerializer
    filterset_class = MatchProposalFilter
    ordering_fields: ClassVar[list[str]] = ["id", "score", "created_at", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    write_scope = Scope.PAYMENTS
    permission_classes: ClassVar[list] = [*ReadViewSet.permission_classes, MayWrite]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        claims = Claim.objects.visible_to(self.member).with_balance().order_by("id")
        return queryset.select_related("bank_line").prefetch_related(
            Prefetch("claims", queryset=claims)
        )

    def visible_claim_ids(self, ids: list[int]) -> set[int] | None:
        """Of these claims, those the key sees; None when it sees its whole organisation
        (the engine proposes only the organisation's own claims)."""
        if self.member.role != Role.MANDANT:
            return None
        return set(
            Claim.objects.visible_to(self.member).filter(pk__in=ids).values_list("pk", flat=True)
        )

    def answer(self, proposal: MatchProposal) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    def refused(self, proposal: MatchProposal, error: Exception, field: str = "") -> Response:
        """A proposal decided meanwhile is a conflict; a choice the engine refuses, for a
        proposal still pending, is bad input (`field`)."""
        status = MatchProposal.objects.values_list("status", flat=True).get(pk=proposal.pk)
        if field and status == ProposalStatus.PENDING:
            raise exceptions.ValidationError({field: [str(error)]})
        return conflict(str(error))

    @extend_schema(
        summary=_("Accepter la proposition : le paiement est enregistré et lettré"),
        request=None,
        responses={200: MatchProposalSerializer, **DECISION_PROBLEMS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        from recouvra.lettrage import reconcile  # the engine is heavy: imported on use

        proposal = self.get_object()
        try:
            reconcile.apply_proposal(proposal, actor=request.user)
        except reconcile.ReconcileError as error:
            return self.refused(proposal, error)
        return self.answer(proposal)

    @extend_schema(
        summary=_("Lettrer le paiement avec d'autres créances"),
        request=ChangeSerializer,
        responses={200: MatchProposalSerializer, **problems(415), **DECISION_PROBLEMS},
    )
    @action(detail=True, methods=["post"])
    def change(self, request: Request, pk: str) -> Response:
        from recouvra.lettrage import reconcile

        proposal = self.get_object()
        given = ChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = set(given.validated_data["claims"])
        claims = list(Claim.objects.visible_to(self.member).open().filter(pk__in=wanted))
        if len(claims) != len(wanted):
            raise exceptions.ValidationError({"claims": [_("Créance introuvable ou déjà soldée.")]})
        try:
            reconcile.change_proposal(proposal, claims, actor=request.user)
        except reconcile.ReconcileError as error:
            return self.refused(proposal, error, "claims")
        return self.answer(proposal)

    @extend_schema(
        summary=_("Rejeter la proposition : la ligne reste à rapprocher"),
        request=None,
        responses={200: MatchProposalSerializer, **DECISION_PROBLEMS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        from recouvra.lettrage import reconcile

        proposal = self.get_object()
        try:
            reconcile.reject_proposal(proposal, actor=request.user)
        except reconcile.ReconcileError as error:
            return self.refused(proposal, error)
        return self.answer(proposal)


routes = [
    ("bank-lines", BankLineViewSet, "bank-line"),
    ("match-proposals", MatchProposalViewSet, "match-proposal"),
]
paths: list = []
