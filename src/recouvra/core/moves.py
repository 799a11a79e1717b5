"""Helpers for migrations that move a model from one app to another, its table kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Operation = Callable[[Any, Any], None]


def content_type_mover(model: str, source: str, target: str) -> tuple[Operation, Operation]:
    """RunPython's forward and backward functions that move the model's content type from
    app `source` to app `target` (and back): the audit log points at models through it."""

    def move(from_app: str, to_app: str) -> Operation:
        def run(apps: Any, schema_editor: Any) -> None:
            content_types = apps.get_model("contenttypes", "ContentType").objects
            found = content_types.filter(app_label=from_app, model=model).first()
            if found is None:  # a new database: content types are made after migrating
                return
            there = content_types.filter(app_label=to_app, model=model).first()
            if there is None:
                found.app_label = to_app
                found.save(update_fields=["app_label"])
            else:  # made by an earlier migrate: the events follow, the old type goes
                events = apps.get_model("core", "AuditEvent").objects
                events.filter(content_type=found).update(content_type=there)
                found.delete()

        return run

    return move(source, target), move(target, source)
