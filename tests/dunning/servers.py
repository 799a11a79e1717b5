"""Real local servers for the channel tests: an SMTP server (aiosmtpd) and an HTTP server
standing for an SMS provider's API."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts. With `hold_at`, the answer to
    that message (the n-th) waits until `released` is set: its sender is caught mid-send;
    with `hold_after` too, the answers to all the messages from the n-th on (a server that
    stops answering)."""

    def __init__(self, hold_at: int | None = None, hold_after: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        self.hold_at = hold_at
        self.hold_after = hold_after
        self.released = threading.Event()

    def holds(self, count: int) -> bool:
        if self.hold_at is None:
            return False
        return count >= self.hold_at if self.hold_after else count == self.hold_at

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.holds(len(self.messages)):
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, hold_at: int | None = None, hold_after: bool = False) -> None:
        self.inbox = Inbox(hold_at, hold_after)
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inbox.released.set()
        self.controller.stop()

    def settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }


class SmsApi:
    """A JSON SMS API on localhost: records each request; answers `status` (default 201)
    with {"id": ...}."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 201
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                    }
                )
                answer = json.dumps({"id": f"sms-{len(api.requests)}"}).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"

    def __enter__(self) -> SmsApi:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
