"""SMS: one interface, two backends chosen by SMS_URL.

- file:///path/to/folder (development, the default under var/sms): each SMS is a JSON
  file, named by its idempotency key (writing it twice leaves one file).
- https://… : a JSON HTTP API, as most SMS providers offer: POST {"to", "from", "text"},
  with a bearer token (SMS_API_KEY) and an Idempotency-Key header, answered by a JSON body
  holding the provider's id of the message ("id").
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings

from ..models import Message
from . import PermanentFailure, TemporaryFailure

TIMEOUT = 10  # seconds


def sms_sender() -> FileSms | HttpSms:
    url = settings.SMS_URL
    if url.startswith("file://"):
        return FileSms(Path(urlparse(url).path))
    if url.startswith(("http://", "https://")):
        return HttpSms(url, settings.SMS_API_KEY, settings.SMS_SENDER)
    raise PermanentFailure(f"SMS_URL non reconnue : {url!r} (file://… ou https://…)")


def _check(message: Message) -> None:
    if not message.recipient:
        raise PermanentFailure("Le débiteur n'a pas de numéro de mobile.")


class FileSms:
    idempotent = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Message) -> str:
        _check(message)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message.idempotency_key}.json"
        data = {"to": message.recipient, "from": settings.SMS_SENDER, "text": message.body_text}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path.name


class HttpSms:
    idempotent = True  # the provider drops a second request with the same Idempotency-Key

    def __init__(self, url: str, api_key: str, sender: str) -> None:
        self.url, self.api_key, self.sender = url, api_key, sender

    def send(self, message: Message) -> str:
        _check(message)
        payload = {"to": message.recipient, "from": self.sender, "text": message.body_text}
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key}",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            if exc.code in (400, 401, 403, 404, 422):
                refused = f"Refusé par le prestataire SMS ({exc.code}) : {detail}"
                raise PermanentFailure(refused) from None
            raise TemporaryFailure(f"Prestataire SMS indisponible ({exc.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise TemporaryFailure(f"Prestataire SMS injoignable : {exc}") from None
        return str(body.get("id", ""))[:100]
