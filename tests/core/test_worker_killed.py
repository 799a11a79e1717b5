"""A worker killed (SIGKILL) in the middle of a delivery pass: the clock re-queues the
pass, another worker finishes it, and every queued e-mail arrives once.

Real processes (`recouvra worker`, `recouvra clock`) on a real database of their own (a
SQLite file; PostgreSQL too when DATABASE_URL is set), a real SMTP server (aiosmtpd)
holding its answer to one message so that the kill lands while it is being sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from ..dunning.servers import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds, at most, for a process to get somewhere (a slow machine)

DATABASES = ["sqlite"]
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    DATABASES.append("postgresql")


# (connections, e-mails queued, the server's answers held from the n-th e-mail on…, to all
# the others too): one connection, the kill lands on the third e-mail; three connections
# and a server that stops answering after its first e-mail, the kill lands while three are
# on the wire and six wait (none of those may be claimed yet, or it would never go)
CASES = [(1, 6, 3, False), (3, 9, 1, True)]


@contextmanager
def own_database(kind: str, folder: Path) -> Iterator[dict[str, str]]:
    """The environment of processes sharing a fresh database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "RECOUVRA_VAR_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "DJANGO_SETTINGS_MODULE": "recouvra.settings",
        "DUNNING_RUN_HOUR": "24",  # no daily run: only the queued e-mails
        "WORKER_HEARTBEAT": "1",
        "LOG_LEVEL": "WARNING",
    }
    if kind == "sqlite":
        yield env
        return
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')}_killed_worker"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield env | {"DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recouvra(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_for(condition, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(("connections", "messages", "held", "held_after"), CASES)
def test_it_delivers_every_queued_message_once_after_the_worker_is_killed(
    database: str, connections: int, messages: int, held: int, held_after: bool, tmp_path: Path
) -> None:
    server = SmtpServer(hold_at=held, hold_after=held_after)
    with own_database(database, tmp_path) as env, server as smtp:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp.port}"
        env["DELIVERY_CONNECTIONS"] = str(connections)
        on_the_wire = connections if held_after else 1
        recouvra(env, "recouvra", "migrate", "--noinput", "-v", "0")
        recouvra(env, "tests.core.worker_seed", "seed", str(messages))
        assert "enqueued delivery" in recouvra(env, "recouvra", "clock", "--once")

        first = subprocess.Popen(
            [sys.executable, "-m", "recouvra", "worker", "--no-startup-delay", "-v", "0"],
            env=env,
            cwd=ROOT,
        )
        try:
            wait_for(lambda: len(smtp.inbox.messages) >= held - 1 + on_the_wire, "the held")
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        smtp.inbox.released.set()

        # the next tick re-queues the pass of the dead worker; another worker runs it
        recouvra(env, "recouvra", "clock", "--once")
        recouvra(env, "recouvra", "worker", "--batch", "--no-startup-delay", "-v", "0")

        state = json.loads(recouvra(env, "tests.core.worker_seed", "report"))
    received = Counter(message["Message-ID"] for message in smtp.inbox.messages)
    assert sorted(received) == sorted(state["messages"])  # every one of them…
    assert set(received.values()) == {1}  # …once
    statuses = Counter(state["messages"].values())
    # those on the wire when the worker died stay SENDING: they arrived, but the worker
    # could not record them; the outbox will mark them to be checked, never send them again
    assert statuses == {"sent": messages - on_the_wire, "sending": on_the_wire}
    (delivery,) = [t for t in state["tasks"] if t["path"].endswith("deliver_messages_task")]
    assert delivery == {"path": delivery["path"], "status": "SUCCESSFUL", "workers": 2}
