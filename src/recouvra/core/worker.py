"""Background work that survives a killed worker, and tasks that cannot run for ever.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again
(its issue #5, open): a worker killed by SIGKILL, the OOM killer or a power cut leaves
the row RUNNING for ever, and the clock, seeing it, enqueues nothing more of that kind.

- Each worker (`recouvra worker`, core/management/commands/worker.py) records a
  heartbeat every WORKER_HEARTBEAT seconds (WorkerHeartbeat), from a thread of its own.
- The clock, each minute, re-queues the RUNNING tasks whose worker is gone: its
  heartbeat older than WORKER_LEASE seconds or, on the same machine, its process ended.
- Each kind of task has a time limit: a task that runs over is stopped (SIGALRM raises
  TimeLimitExceeded in it, its transaction rolls back), marked failed with the reason,
  and re-queued if the kind is idempotent. A task stuck in C code, which the signal
  cannot interrupt, is ended with its worker after a grace period (the watchdog in the
  heartbeat thread) and then recovered like a killed worker's.
- A task interrupted `attempts` times fails for good, with the reason, where an
  administrator sees it (Paramètres → Tâches de fond) and can re-queue it.

Signals in the worker rather than a process per task: the tasks share the worker's
database connection and warm caches, and a killed worker is handled anyway.
Every task is idempotent by design (conditional UPDATEs, unique constraints), so
running one again after an interruption is safe; each kind says so below or in its app.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger("recouvra.worker")

GRACE = 30  # seconds a task may outlive its time limit (stuck in C code) before its worker ends
FORGET_AFTER = timedelta(days=1)  # heartbeats of stopped workers are kept this long
TIME_LIMIT_EXCEEDED = "recouvra.core.worker.TimeLimitExceeded"
WORKER_LOST = "recouvra.core.worker.WorkerLost"


class TimeLimitExceeded(BaseException):  # noqa: N818
    """Raised in a task that ran past its time limit. A BaseException, so that a task's
    own `except Exception` does not swallow it."""


@dataclass(frozen=True)
class TaskKind:
    label: str  # French, for the status page
    time_limit: int = 600  # seconds
    # safe to run again after an interruption: re-queued after a time-out, a lost worker
    idempotent: bool = True
    attempts: int = 3  # interrupted runs before it fails for good
    # the organisation a task of this kind works for, from its arguments (None: shared)
    organization: Callable[[list], int | None] | None = None
    # told when a task of this kind stops without finishing (args, reason, re-queued):
    # to put back, or mark failed, what the task had claimed
    on_stopped: Callable[[list, str, bool], None] | None = None
    # the page of what a task of this kind works on, where it is retried (else the
    # status page offers to re-queue a failed task of an idempotent kind)
    url: Callable[[list], str | None] | None = None
    name: str = field(default="", compare=False)


DEFAULT_KIND = TaskKind(label=_("Tâche"), idempotent=False)
_kinds: dict[str, TaskKind] = {}
_discovered = False


def register(task: Task, kind: TaskKind) -> Task:
    """Declare how a task behaves in the worker; its time limit may be set in
    TASK_TIME_LIMITS (`name=seconds,…`)."""
    name = task.module_path.rsplit(".", 1)[-1]
    limit = settings.TASK_TIME_LIMITS.get(name, kind.time_limit)
    _kinds[task.module_path] = replace(kind, time_limit=limit, name=name)
    return task


def kinds() -> dict[str, TaskKind]:
    """Every registered kind, by task path (the apps' tasks modules imported once)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return _kinds


def kind_of(task_path: str) -> TaskKind:
    return kinds().get(task_path, DEFAULT_KIND)


# -- periodic checks -----------------------------------------------------------------------

# A check the clock runs each minute: given the time, it enqueues what has come due and
# returns a line per task enqueued (for the log). Apps above the clock's (dunning) register
# theirs in their AppConfig.ready, so that the clock never imports them.
PeriodicCheck = Callable[[datetime], list[str]]
_periodic: list[PeriodicCheck] = []


def register_periodic(check: PeriodicCheck) -> None:
    """Have the clock run `check(now)` each minute (once, however often ready() runs)."""
    if check not in _periodic:
        _periodic.append(check)


def run_periodic(now: datetime) -> list[str]:
    """Run every registered check; one that fails is logged, the others still run."""
    enqueued: list[str] = []
    for check in list(_periodic):
        try:
            enqueued += check(now)
        except Exception:
            logger.exception("periodic check %s failed", getattr(check, "__qualname__", check))
    return enqueued


# -- the heartbeat -------------------------------------------------------------------------


def process_identity(pid: int) -> str:
    """Boot, process namespace, pid and start time of a live process, as seen from this
    one; "" if it does not exist (or is a zombie) or the system cannot tell (not Linux)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    state, started = fields[0], fields[19]
    if state in ("Z", "X"):
        return ""
    return f"{boot}:{namespace}:{pid}:{started}"


def _machine(identity: str) -> str:
    return identity.rsplit(":", 2)[0]


def _here() -> str:
    return _machine(process_identity(os.getpid()))


class Heartbeat:
    """A worker's heartbeat: its row, beaten from a thread, and the watchdog that ends
    the worker when a task outlives its time limit by GRACE seconds."""

    def __init__(self, worker_id: str, queues: list[str], interval: float) -> None:
        self.worker_id = worker_id
        self.queues = ",".join(queues)
        self.interval = interval
        self.deadline: float | None = None  # monotonic time the current task must end by
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def start(self) -> None:
        self.register()
        self._thread.start()

    def register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "queues": self.queues,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "process": process_identity(os.getpid()),
                "started_at": now,
                "beat_at": now,
            },
        )

    def stop(self) -> None:
        """A clean stop: the worker is no longer listed."""
        self._stop.set()
        self._thread.join()
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
                self.watch()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        try:
            beaten = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                beat_at=timezone.now()
            )
            if not beaten:  # forgotten while silent (FORGET_AFTER): here again
                self.register()
        except DatabaseError as exc:  # e.g. SQLite busy with a long write: next beat
            logger.warning("worker %s: heartbeat not recorded (%s)", self.worker_id, exc)

    def watch(self) -> None:
        deadline = self.deadline
        if deadline is not None and time.monotonic() > deadline + GRACE:
            logger.critical(
                "worker %s: a task outlived its time limit by %s s and cannot be "
                "interrupted; the worker stops so that the clock re-queues it",
                self.worker_id,
                GRACE,
            )
            os._exit(70)


# -- the time limit ------------------------------------------------------------------------


@contextmanager
def time_limit(seconds: int, heartbeat: Heartbeat | None = None) -> Iterator[None]:
    """Raise TimeLimitExceeded in this (main) thread once `seconds` have passed."""

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    if heartbeat is not None:
        heartbeat.deadline = time.monotonic() + seconds
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if heartbeat is not None:
            heartbeat.deadline = None


# -- recovery ------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.WORKER_LEASE)


def worker_gone(beat: WorkerHeartbeat | None, now: datetime, here: str | None = None) -> str:
    """Why the worker of this heartbeat is taken for gone ("" if it is alive)."""
    if beat is None:
        return "le processus de fond a disparu"
    here = _here() if here is None else here
    if beat.process and here and _machine(beat.process) == here:
        if process_identity(beat.pid) != beat.process:
            return f"le processus de fond {beat.pid} s'est arrêté"
        return ""
    if beat.beat_at < now - _lease():
        seconds = int((now - beat.beat_at).total_seconds())
        return f"le processus de fond ne donne plus signe de vie depuis {seconds} s"
    return ""


def recover_stale(now: datetime | None = None) -> list[str]:
    """Re-queue (or fail, after too many attempts) the tasks left RUNNING by a worker that
    is gone; returns a line per task for the log."""
    now = now or timezone.now()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    done = []
    if running:
        beats = {beat.worker_id: beat for beat in WorkerHeartbeat.objects.all()}
        here = _here()
        for row in running:
            worker = row.worker_ids[-1] if row.worker_ids else ""
            if worker not in beats and row.started_at and row.started_at > now - _lease():
                continue  # a worker that has just claimed it is still registering
            reason = worker_gone(beats.get(worker), now, here)
            if reason and (line := interrupt(row, reason, WORKER_LOST, now)):
                done.append(line)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return done


def after_failure(row: DBTaskResult) -> str | None:
    """A task the worker saw fail: after a time-out, re-queued if idempotent; in any case
    its kind is told, to put back what the task had claimed."""
    kind = kind_of(row.task_path)
    if row.exception_class_path == TIME_LIMIT_EXCEEDED:
        reason = f"limite de temps dépassée ({kind.time_limit} s)"
        return interrupt(row, reason, TIME_LIMIT_EXCEEDED, timezone.now())
    if kind.on_stopped:
        last_line = row.traceback.strip().rsplit("\n", 1)[-1]
        kind.on_stopped(row.args_kwargs["args"], f"erreur inattendue ({last_line})", False)
    return None


def interrupt(row: DBTaskResult, reason: str, cause: str, now: datetime) -> str | None:
    """Re-queue an interrupted task, or fail it once its attempts are spent; None if it
    moved meanwhile (finished, or recovered by another clock)."""
    kind = kind_of(row.task_path)
    attempts = len(row.worker_ids)
    again = kind.idempotent and attempts < kind.attempts
    if again:
        changes: dict[str, Any] = {"status": TaskResultStatus.READY, "started_at": None}
        changes["finished_at"] = None
    else:
        changes = {"status": TaskResultStatus.FAILED, "finished_at": now}
        if not kind.idempotent:
            reason += " ; non relancée automatiquement (elle pourrait avoir agi en partie)"
        else:
            reason += f" ; abandonnée après {attempts} tentatives"
    with transaction.atomic():
        moved = DBTaskResult.objects.filter(
            pk=row.pk, status=row.status, started_at=row.started_at
        ).update(**changes, exception_class_path=cause, traceback=reason)
        if not moved:
            return None
        if kind.on_stopped:
            kind.on_stopped(row.args_kwargs["args"], reason, again)
    what = "re-queued" if again else "failed"
    line = f"{kind.name or row.task_path} {row.pk} {what} (attempt {attempts}): {reason}"
    logger.warning("%s", line)
    return line


def requeue(row: DBTaskResult) -> bool:
    """An administrator's decision: run a failed task again (its attempts start over)."""
    return bool(
        DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            started_at=None,
            finished_at=None,
            worker_ids=[],
        )
    )


# -- what the status page shows ------------------------------------------------------------

WAITING_TOO_LONG = timedelta(minutes=5)  # a READY task no worker took by then is stuck
FAILED_SHOWN_FOR = timedelta(days=7)
SHOWN = 100  # task rows at most
STATUS_LABELS = {
    TaskResultStatus.READY: _("En attente"),
    TaskResultStatus.RUNNING: _("En cours"),
    TaskResultStatus.FAILED: _("Échec"),
}


@dataclass
class WorkerState:
    beat: WorkerHeartbeat
    gone: str  # why it is taken for gone, "" while alive
    running: list[str]  # labels of the tasks it runs


@dataclass
class TaskState:
    row: DBTaskResult
    kind: TaskKind
    since: datetime | None  # enqueued, started or finished, by status
    stuck: str  # why it is stuck, "" if it is not
    reason: str  # of its failure, or of its last interruption
    url: str | None  # the page of what it works on
    can_requeue: bool

    @property
    def attempts(self) -> int:
        return len(self.row.worker_ids)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.row.status, self.row.status))


def overview(organization_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The workers, and the waiting, running and recently failed tasks of this
    organisation or shared by all (never another organisation's)."""
    now = now or timezone.now()
    here = _here()
    workers = [
        WorkerState(beat, worker_gone(beat, now, here), [])
        for beat in WorkerHeartbeat.objects.order_by("queues", "started_at")
    ]
    by_id = {state.beat.worker_id: state for state in workers}
    rows = DBTaskResult.objects.filter(
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
    ) | DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__gte=now - FAILED_SHOWN_FOR
    )
    tasks = []
    for row in rows.order_by("-enqueued_at")[: SHOWN * 5]:
        kind = kind_of(row.task_path)
        owner = kind.organization(row.args_kwargs["args"]) if kind.organization else None
        if kind.organization and owner != organization_id:
            continue
        worker = by_id.get(row.worker_ids[-1]) if row.worker_ids else None
        if row.status == TaskResultStatus.RUNNING and worker:
            worker.running.append(str(kind.label))
        tasks.append(_task_state(row, kind, worker, workers, now, own=owner is not None))
        if len(tasks) == SHOWN:
            break
    return {"workers": workers, "tasks": tasks}


def _task_state(
    row: DBTaskResult,
    kind: TaskKind,
    worker: WorkerState | None,
    workers: list[WorkerState],
    now: datetime,
    own: bool,
) -> TaskState:
    since = {
        TaskResultStatus.READY: row.enqueued_at,
        TaskResultStatus.RUNNING: row.started_at,
    }.get(row.status, row.finished_at)
    url = kind.url(row.args_kwargs["args"]) if kind.url else None
    return TaskState(
        row=row,
        kind=kind,
        since=since,
        stuck=_stuck(row, kind, worker, workers, now),
        reason=_reason(row, own),
        url=url,
        can_requeue=row.status == TaskResultStatus.FAILED and kind.idempotent and not url,
    )


def _stuck(
    row: DBTaskResult,
    kind: TaskKind,
    worker: WorkerState | None,
    workers: list[WorkerState],
    now: datetime,
) -> str:
    """Why a task is stuck ("" if it is not): running on a worker that is gone or past
    its time limit, or waiting long after its time."""
    if row.status == TaskResultStatus.RUNNING:
        if worker is None or worker.gone:
            return worker.gone if worker else "le processus de fond a disparu"
        if row.started_at and row.started_at < now - timedelta(seconds=kind.time_limit + GRACE):
            return f"dépasse sa limite de temps ({kind.time_limit} s)"
        return ""
    if row.status != TaskResultStatus.READY or row.enqueued_at > now - WAITING_TOO_LONG:
        return ""
    if row.run_after and row.run_after.year < 9999 and row.run_after > now:
        return ""  # deferred, not late
    if any(_serves(state, row.queue_name) for state in workers):
        return "en attente depuis plus de 5 minutes"
    return f"aucun processus de fond ne sert sa file ({row.queue_name})"


def _serves(state: WorkerState, queue: str) -> bool:
    queues = state.beat.queues.split(",")
    return not state.gone and ("*" in queues or queue in queues)


def _reason(row: DBTaskResult, own: bool) -> str:
    """Why it failed or was interrupted. The text of an error of a task shared by every
    organisation may name another's data: only its kind is shown."""
    if row.exception_class_path in (TIME_LIMIT_EXCEEDED, WORKER_LOST):
        return row.traceback
    if not row.exception_class_path:
        return ""
    if own:
        return row.traceback.strip().rsplit("\n", 1)[-1]
    return row.exception_class_path.rsplit(".", 1)[-1]


def visible_task(organization_id: int, pk: str) -> DBTaskResult | None:
    """A task row this organisation may see: its own, or one shared by all."""
    try:
        row = DBTaskResult.objects.get(pk=pk)
    except (DBTaskResult.DoesNotExist, ValueError, ValidationError):
        return None
    kind = kind_of(row.task_path)
    if kind.organization and kind.organization(row.args_kwargs["args"]) != organization_id:
        return None
    return row
