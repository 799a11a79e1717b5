"""API resources of dunning, read only: the scenarios and their steps, and the messages of the
outbox with their delivery status. Scenarios belong to the organisation, not to a creditor:
a key restricted to a mandant sees none (as the mandant's pages do)."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import F, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recouvra.dunning.models import Channel, Message, MessageStatus, Scenario, Step

from ..filters import UpdatedSince
from ..serializers import CentsField, StrictModelSerializer
from ..views import ReadViewSet
from .shared import IdFilter


class StepSerializer(StrictModelSerializer):
    min_balance_cents = CentsField(read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "scenario",
            "position",
            "name",
            "delay_days",
            "after",
            "channel",
            "template",
            "is_formal_notice",
            "debtor_kind",
            "min_balance_cents",
            "min_risk_level",
            "creditor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScenarioSerializer(StrictModelSerializer):
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Scenario
        fields = ["id", "name", "description", "is_default", "steps", "created_at", "updated_at"]
        read_only_fields = fields


class ScenarioFilter(UpdatedSince):
    class Meta:
        model = Scenario
        fields = ["is_default"]


class ScenarioViewSet(ReadViewSet):
    model = Scenario
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilter
    ordering_fields: ClassVar[list[str]] = ["id", "name", "updated_at"]

    def get_queryset(self) -> QuerySet:
        steps = Prefetch("steps", queryset=Step.objects.order_by("position"))
        return super().get_queryset().prefetch_related(steps)


class StepFilter(UpdatedSince):
    scenario = IdFilter(field_name="scenario_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Step
        fields = ["scenario", "channel"]


class StepViewSet(ReadViewSet):
    model = Step
    serializer_class = StepSerializer
    filterset_class = StepFilter
    ordering_fields: ClassVar[list[str]] = ["id", "position", "updated_at"]


class MessageSerializer(StrictModelSerializer):
    step = serializers.IntegerField(read_only=True, allow_null=True)
    to = serializers.CharField(source="recipient", read_only=True)
    bounced_at = serializers.SerializerMethodField()
    error = serializers.CharField(source="last_error", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "case",
            "step",
            "channel",
            "status",
            "to",
            "subject",
            "attempts",
            "not_before",
            "sent_at",
            "delivered_at",
            "bounced_at",
            "error",
            "hold_reason",
            "tracking_number",
            "first_presented_on",
            "acknowledged_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_bounced_at(self, message: Message) -> Any:
        """A bounced message moves no more: the time of its last change is that of the bounce."""
        if message.status != MessageStatus.BOUNCED:
            return None
        return serializers.DateTimeField().to_representation(message.updated_at)


class MessageFilter(UpdatedSince):
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    case = IdFilter(field_name="case_id")

    class Meta:
        model = Message
        fields = ["status", "channel", "case"]


class MessageViewSet(ReadViewSet):
    """The messages dunning sent or will send (e-mails, SMS, letters), with their status;
    their text is not served."""

    model = Message
    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    ordering_fields: ClassVar[list[str]] = ["id", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(step=F("step_run__step_id"))


routes = [
    ("scenarios", ScenarioViewSet, "scenario"),
    ("steps", StepViewSet, "step"),
    ("messages", MessageViewSet, "message"),
]
paths: list = []
