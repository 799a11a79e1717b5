"""What the webhooks tests share: a real receiver, and alice's endpoint pointing at it."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from recouvra.webhooks.models import Endpoint, Event, EventType
from recouvra.webhooks.services import create_endpoint

from ..base import RecouvraTestCase
from .receiver import Receiver


@override_settings(WEBHOOKS_ALLOW_HTTP=True)
class WebhookTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.receiver = Receiver().start()
        self.addCleanup(self.receiver.stop)
        self.endpoint = self.make_endpoint()

    def make_endpoint(self, events: list[str] | None = None, **extra: Any) -> Endpoint:
        return create_endpoint(
            extra.pop("organization", self.alpha),
            url=extra.pop("url", self.receiver.url),
            events=events or EventType.values,
            actor=self.alice,
            **extra,
        )

    def events(self, event_type: str | None = None) -> list[Event]:
        found = Event.objects.filter(endpoint=self.endpoint).order_by("pk")
        return list(found.filter(type=event_type) if event_type else found)
