"""One POST to an endpoint, guarded: no redirect followed, a timeout, a bounded read, and
only public addresses (SSRF) — the address the name resolves to is checked, then that very
address is connected to, so that a second resolution cannot point elsewhere (DNS rebinding).

settings.WEBHOOKS_ALLOW_HTTP (development, tests) also allows http:// and loopback addresses.
No database here: the caller records what happened.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT = 10.0  # seconds for the whole request: connecting, sending, the answer
READ_AT_MOST = 4096  # bytes of an answer read (the rest is not waited for)
EXCERPT_CHARS = 1000  # kept on the attempt
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
USER_AGENT = "recouvra-webhooks/1"


class Refused(ValueError):
    """The URL may not be called: says why (in French, shown on the attempt)."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no HTTP answer (refused, timed out, connection failed)
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def allow_http() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def check_url(url: str) -> None:
    """What an endpoint's URL must be, without looking up its name: https:// (http:// to
    this machine when allowed), a host, no user or password, and not a literal address
    that is private."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("l'adresse n'a pas de nom d'hôte")
    if parts.username or parts.password:
        raise Refused("l'adresse ne doit pas contenir d'identifiant ni de mot de passe")
    if parts.scheme == "http":
        if not (allow_http() and host in LOCAL_HOSTS):
            raise Refused("seules les adresses https:// sont acceptées")
    elif parts.scheme != "https":
        raise Refused("seules les adresses https:// sont acceptées")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: its addresses are checked once resolved, at each sending
    _check_address(literal)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if address.is_loopback and allow_http():
        return
    if not address.is_global or address.is_multicast:
        raise Refused(f"adresse {address} non publique (réseau interne refusé)")


def resolve(host: str, port: int) -> str:
    """The address to connect to: the first the name resolves to, every one of them
    public (a name that also resolves to an internal address is refused)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused(f"nom d'hôte introuvable ({host})") from exc
    addresses = [info[4][0] for info in found]
    for address in addresses:
        _check_address(ipaddress.ip_address(address.split("%", 1)[0]))
    if not addresses:
        raise Refused(f"nom d'hôte introuvable ({host})")
    return addresses[0]


class _Pinned(http.client.HTTPConnection):
    """A connection to `address`, whatever `host` resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against `host` (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> Answer:
    """POST `body` to `url`; never raises: a refusal or a failure is in the Answer."""
    started = time.monotonic()
    try:
        status, excerpt = _post(url, body, headers, timeout, started)
    except Refused as exc:
        return Answer(None, "", f"Refusé : {exc}", _ms(started))
    except TimeoutError:
        return Answer(None, "", f"Pas de réponse en {timeout:g} s", _ms(started))
    except ssl.SSLError as exc:
        return Answer(None, "", f"Erreur TLS : {exc.reason or exc}"[:500], _ms(started))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(
            None, "", f"Connexion impossible : {exc or type(exc).__name__}"[:500], _ms(started)
        )
    return Answer(status, excerpt, "", _ms(started))


def _post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, started: float
) -> tuple[int, str]:
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    address = resolve(host, port)
    kind = _PinnedTLS if tls else _Pinned
    connection = kind(host, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    sent = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Content-Length": str(len(body)),
    }
    # the socket's timeout bounds each step; this bounds them all together (an answer
    # dripped a byte at a time): the connection is cut at the deadline
    watchdog = threading.Timer(timeout, _cut, [connection])
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers=sent)
        response = connection.getresponse()  # a redirect is an answer like another (3xx)
        data = _read(response, started + timeout)
        return response.status, data.decode("utf-8", "replace")[:EXCERPT_CHARS]
    except (OSError, http.client.HTTPException):
        if time.monotonic() >= started + timeout:
            raise TimeoutError from None
        raise
    finally:
        watchdog.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """At most READ_AT_MOST bytes, and not after the deadline."""
    data = b""
    while len(data) < READ_AT_MOST:
        if time.monotonic() > deadline:
            break
        chunk = response.read1(READ_AT_MOST - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
