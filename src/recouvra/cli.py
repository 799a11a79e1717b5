"""The `recouvra` command line.

Usage:

recouvra serve [--bind HOST:PORT] [--workers N]   web server (gunicorn)
recouvra worker [db_worker options]               background task worker
recouvra clock [--once]                           enqueue the daily dunning runs and deliveries
recouvra demo [options]                           load demo data
recouvra run [--bind HOST:PORT]                   migrate, demo data, web server, workers, clock
recouvra api-key create --organization SIREN --name NAME --scopes read,write [--mandant ID]
                                                  create an API key (printed on the last line)
recouvra <django command> ...                     any manage.py command (migrate, shell, ...)
"""

import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from importlib.metadata import version

DEFAULT_BIND = "127.0.0.1:8000"
STOP_TIMEOUT = 15  # seconds to wait for children to stop before killing them
RESTARTS, RESTART_WINDOW = 5, 60  # a worker or the clock restarted at most 5 times a minute


def default_bind() -> str:
    return os.environ.get("BIND") or DEFAULT_BIND


def no_control_socket() -> list[str]:
    """Gunicorn 25.1+ opens a control socket at one path under $HOME; servers would share it."""
    major, minor = (int(part) for part in version("gunicorn").split(".")[:2])
    return ["--no-control-socket"] if (major, minor) >= (25, 1) else []


def serve(argv: list[str]) -> int:
    """Replace this process with gunicorn serving recouvra.wsgi."""
    parser = ArgumentParser(prog="recouvra serve", description="Run the web server (gunicorn).")
    parser.add_argument("--bind", default=default_bind(), help="HOST:PORT (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="default: %(default)s")
    args, extra = parser.parse_known_args(argv)  # unknown options go to gunicorn
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "recouvra.wsgi:application",
        f"--bind={args.bind}",
        f"--workers={args.workers}",
        "--access-logfile=-",
        *no_control_socket(),
        *extra,
    ]
    os.execv(sys.executable, command)
    return 1  # not reached


def manage(argv: list[str]) -> int:
    """Run a Django management command, as manage.py would."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["recouvra", *argv])
    return 0


def split_bind(bind: str) -> tuple[str, int] | None:
    """("127.0.0.1", 8000) for "127.0.0.1:8000"; None for unix sockets or odd values."""
    host, _, port = bind.rpartition(":")
    if bind.startswith(("unix:", "fd://")) or not port.isdigit():
        return None
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return host, int(port)


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def run(argv: list[str]) -> int:
    """Prepare the database, then run the web server, two workers (messages and the rest;
    imports) and the clock until Ctrl-C."""
    parser = ArgumentParser(prog="recouvra run", description="Run everything for local use.")
    parser.add_argument("--bind", default=default_bind(), help="HOST:PORT (default: %(default)s)")
    args = parser.parse_args(argv)

    address = split_bind(args.bind)
    if address and not port_is_free(*address):
        print(
            f"recouvra: {args.bind} is already in use. Stop the other server, "
            f"or pick another address, e.g. BIND=127.0.0.1:8001 make run",
            file=sys.stderr,
        )
        return 1

    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", "--noinput")
    call_command("demo", "--if-empty")  # prints the demo credentials
    connections.close_all()  # the children open their own connections

    me = [sys.executable, "-m", "recouvra"]
    commands = {
        "web server": [*me, "serve", "--bind", args.bind],
        # two workers: a big import never delays the sending of messages
        "worker": [*me, "worker", "--queue-name", "default"],
        "imports worker": [*me, "worker", "--queue-name", "imports"],
        "clock": [*me, "clock"],
    }
    return supervise(commands, address, restart={"worker", "imports worker", "clock"})


def start(command: list[str]) -> subprocess.Popen:
    # Own process groups: a terminal Ctrl-C reaches only us, and we forward it once.
    return subprocess.Popen(command, process_group=0)


def supervise(
    commands: dict[str, list[str]],
    address: tuple[str, int] | None,
    restart: set[str] | frozenset[str] = frozenset(),
) -> int:
    """Start the children and wait for them; forward SIGINT/SIGTERM. A child named in
    `restart` that dies (killed, out of memory) is started again, its unfinished task
    re-queued by the clock; any other, or one dying again and again, stops them all."""
    children = {name: start(command) for name, command in commands.items()}
    restarts: dict[str, list[float]] = {name: [] for name in restart}
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    announced = address is None
    stop_deadline: float | None = None
    exit_code = 0
    forwarded = 0
    while any(child.poll() is None for child in children.values()):
        if not announced and port_answers(*address):
            host, port = address
            print(f"\nRecouvra is running at http://{host}:{port}  (Ctrl-C to stop)\n", flush=True)
            announced = True

        if len(received) > forwarded:
            signum = received[forwarded]
            forwarded = len(received)
            if stop_deadline is None:
                print("\nrecouvra: stopping...", file=sys.stderr, flush=True)
                stop_all(children, signum)
                stop_deadline = time.monotonic() + STOP_TIMEOUT
            else:  # second Ctrl-C: do not wait any longer
                stop_all(children, signal.SIGKILL)

        if stop_deadline is None:
            for name, child in children.items():
                if child.poll() is None:
                    continue
                if name in restarts and may_restart(restarts[name]):
                    print(
                        f"recouvra: the {name} exited (code {child.returncode}); restarting it.",
                        file=sys.stderr,
                        flush=True,
                    )
                    children[name] = start(commands[name])
                    continue
                print(
                    f"recouvra: the {name} exited (code {child.returncode}); stopping.",
                    file=sys.stderr,
                    flush=True,
                )
                exit_code = 1
                stop_all(children, signal.SIGTERM)
                stop_deadline = time.monotonic() + STOP_TIMEOUT
                break
        elif time.monotonic() > stop_deadline:
            stop_all(children, signal.SIGKILL)

        time.sleep(0.2)
    return exit_code


def may_restart(times: list[float]) -> bool:
    """At most RESTARTS restarts of one child per RESTART_WINDOW seconds: past that, it
    fails as it starts (a broken setting), and restarting would only hide it."""
    now = time.monotonic()
    times[:] = [moment for moment in times if now - moment < RESTART_WINDOW]
    if len(times) >= RESTARTS:
        return False
    times.append(now)
    return True


def stop_all(children: dict[str, subprocess.Popen], signum: int) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signum)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvra.settings")
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nSee `recouvra help` for the list of Django commands.")
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command == "serve":
            return serve(rest)
        if command == "run":
            return run(rest)
        if command == "api-key":
            return manage(["api_key", *rest])
        return manage(argv)  # includes `demo`
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
