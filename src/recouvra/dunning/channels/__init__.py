"""One module per channel that sends, behind one interface: send(message) → provider ref.

A channel raises TemporaryFailure when trying again later may work (a server down, a
timeout) and PermanentFailure when it will not (no address, a refused number).
`idempotent` says whether sending the same message twice is harmless because the
provider drops the second copy (an idempotency key): only then does the delivery task
retry a send that was interrupted before its outcome was recorded.
"""

from __future__ import annotations

from typing import Protocol

from ..models import Channel, Message


class TemporaryFailure(Exception):
    """Sending failed; it may work later."""


class PermanentFailure(Exception):
    """Sending cannot work (no address, a refused recipient)."""


class Sender(Protocol):
    idempotent: bool

    def send(self, message: Message) -> str: ...


def sender_for(channel: str) -> Sender:
    from . import email, sms

    if channel == Channel.EMAIL:
        return email.EmailSender()
    if channel == Channel.SMS:
        return sms.sms_sender()
    raise PermanentFailure(f"Le canal {channel} n'est pas envoyé par la tâche d'envoi.")
