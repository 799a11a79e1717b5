from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "recouvra.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from recouvra.cases.services import promise_broken, stage_changed
        from recouvra.core.worker import register_periodic
        from recouvra.dunning.delivery_reports import message_bounced
        from recouvra.imports.services import batch_completed
        from recouvra.ledger.services import payments_applied, payments_reversed
        from recouvra.lettrage.reconcile import proposals_made
        from recouvra.web import cards

        from . import emit, tasks, views

        # the lower apps announce what happened; each answer writes the outbox rows
        payments_applied.connect(emit.on_payments_applied, dispatch_uid="webhooks.applied")
        payments_reversed.connect(emit.on_payments_reversed, dispatch_uid="webhooks.reversed")
        stage_changed.connect(emit.on_stage_changed, dispatch_uid="webhooks.stage")
        promise_broken.connect(emit.on_promise_broken, dispatch_uid="webhooks.promise")
        message_bounced.connect(emit.on_message_bounced, dispatch_uid="webhooks.bounced")
        batch_completed.connect(emit.on_batch_completed, dispatch_uid="webhooks.import")
        proposals_made.connect(emit.on_proposals_made, dispatch_uid="webhooks.proposals")

        # the clock (dunning) queues a delivery pass when events are due
        register_periodic(tasks.check_due)
        cards.register("api_settings", "webhooks/_api_notice.html", views.api_settings_card)
