"""Run in a subprocess by the test of a killed worker, on the database of its processes.

`python -m tests.core.worker_seed seed N`: N debtors each owed a claim due six days ago,
and the day's dunning run, which queues one e-mail each. `… report`: the messages'
statuses and the task rows, as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import django


def seed(count: int) -> None:
    from django.utils import timezone

    from recouvra.dunning.engine import run_dunning

    from ..base import make_claim, make_creditor, make_debtor, make_org
    from ..dunning.base import make_scenario

    org = make_org("Alpha Recouvrement")
    make_scenario(org)
    creditor = make_creditor(org, "Télécom Ouest")
    due = timezone.localdate() - timedelta(days=6)
    for number in range(count):
        debtor = make_debtor(org, f"Débiteur {number}", email=f"compta{number}@example.org")
        make_claim(creditor, debtor, 10_000, issue_date=due - timedelta(days=30), due_date=due)
    run_dunning(org.pk)


def report() -> dict:
    from django_tasks_db.models import DBTaskResult

    from recouvra.dunning.models import Message

    return {
        "messages": {m.message_id: m.status for m in Message.objects.all()},
        "tasks": [
            {"path": t.task_path, "status": t.status, "workers": len(t.worker_ids)}
            for t in DBTaskResult.objects.order_by("enqueued_at")
        ],
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvra.settings")
    django.setup()
    if sys.argv[1] == "seed":
        seed(int(sys.argv[2]))
    else:
        print(json.dumps(report()))
