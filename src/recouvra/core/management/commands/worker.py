"""`recouvra worker`: django-tasks-db's worker, with a heartbeat and a time limit per task
kind (core/worker.py). Its options are db_worker's; it serves every queue by default."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from recouvra.core import worker

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


class Worker(db_worker.Worker):
    heartbeat: worker.Heartbeat

    def run(self) -> None:
        self.heartbeat = worker.Heartbeat(
            self.worker_id, self.queue_names, settings.WORKER_HEARTBEAT
        )
        self.heartbeat.start()
        try:
            super().run()
        finally:
            self.heartbeat.stop()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        kind = worker.kind_of(db_task_result.task_path)
        try:
            with worker.time_limit(kind.time_limit, self.heartbeat):
                super().run_task(db_task_result)
        except worker.TimeLimitExceeded:
            pass  # the alarm rang as the task was being recorded: it is recorded
        if db_task_result.status == TaskResultStatus.FAILED:
            worker.after_failure(db_task_result)


class Command(db_worker.Command):
    help = "Run the background tasks (heartbeat, time limit per task kind)."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload:
            raise CommandError("--reload is not supported: restart the worker instead.")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        runner = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
        runner.configure_signals()
        try:
            runner.run()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
