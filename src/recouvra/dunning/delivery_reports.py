"""Delivery reports: what happens to a message after it was sent.

Two sources say it. A mail server that cannot deliver an e-mail returns a delivery status
notification (DSN, RFC 3464) to the envelope sender; `recouvra bounces` reads those from
files or a Maildir. E-mail and SMS providers post events to a webhook instead
(views.delivery_report, JSON). Both end in `record_report`: a sent message becomes
DELIVERED or BOUNCED, once, with an entry on the case timeline.
"""

from __future__ import annotations

import email
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from recouvra.cases.models import Direction, InteractionKind
from recouvra.cases.services import add_event

from .models import Channel, Message, MessageStatus

# sent with `message` (BOUNCED, its last_error the reason) once a report moved it there,
# in the report's transaction (webhooks: message.bounced)
message_bounced = Signal()

DELIVERED, BOUNCED = "delivered", "bounced"
EVENTS = (DELIVERED, BOUNCED)
MAX_REPORT_BYTES = 1_000_000  # a DSN or a webhook call; anything larger is no report


class ReportError(ValueError):
    """A report that cannot be read: says why."""


@dataclass(frozen=True)
class Report:
    event: str  # DELIVERED or BOUNCED
    message_id: str = ""  # an e-mail's Message-ID header, with its <>
    provider_ref: str = ""  # an SMS provider's reference
    reason: str = ""


def record_report(report: Report, now: datetime | None = None) -> bool:
    """Move the message the report is about; False if it is unknown or already there."""
    now = now or timezone.now()
    if report.message_id:
        found = Message.objects.filter(message_id=report.message_id.strip())
    elif report.provider_ref:
        found = Message.objects.filter(channel=Channel.SMS, provider_ref=report.provider_ref)
    else:
        return False
    message = found.select_related("case").first()
    if message is None:
        return False
    with transaction.atomic():
        return _move(message, report, now)


def _move(message: Message, report: Report, now: datetime) -> bool:
    if report.event == BOUNCED:
        moved = Message.objects.filter(
            pk=message.pk, status__in=(MessageStatus.SENT, MessageStatus.DELIVERED)
        ).update(status=MessageStatus.BOUNCED, last_error=report.reason[:500], updated_at=now)
        text = f"Message rejeté pour {message.recipient} : {report.reason[:200]}"
    else:
        moved = Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).update(
            status=MessageStatus.DELIVERED, delivered_at=now, updated_at=now
        )
        text = f"Message remis à {message.recipient}"
    if moved:
        kind = InteractionKind.SMS if message.channel == Channel.SMS else InteractionKind.EMAIL
        add_event(message.case, kind, text, channel=message.channel, direction=Direction.INBOUND)
        if report.event == BOUNCED:
            message.status, message.last_error = MessageStatus.BOUNCED, report.reason[:500]
            message.updated_at = now
            message_bounced.send(sender=Message, message=message)
    return bool(moved)


def read_dsn(raw: bytes) -> Report:
    """The report a delivery status notification (RFC 3464) makes about the e-mail it
    returns: which message (the Message-ID of the returned headers) and what happened."""
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportError(f"plus de {MAX_REPORT_BYTES // 1_000_000} Mo : pas un avis de remise")
    notice = email.message_from_bytes(raw, policy=policy.default)
    if notice.get_content_type() != "multipart/report":
        raise ReportError(f"type {notice.get_content_type()} : pas un avis de remise (DSN)")
    status = _delivery_status(notice)
    action = status.get("Action", "").strip().lower()
    if action == "failed":
        event = BOUNCED
    elif action in ("delivered", "relayed", "expanded"):
        event = DELIVERED
    else:  # delayed: the server still tries
        raise ReportError(f"action « {action or '?'} » : rien à enregistrer")
    reason = " ".join(
        part
        for part in (status.get("Status", "").strip(), status.get("Diagnostic-Code", "").strip())
        if part
    )
    return Report(event, message_id=_returned_message_id(notice), reason=reason)


def _delivery_status(notice: EmailMessage) -> dict[str, str]:
    """The first recipient's fields of the message/delivery-status part."""
    for part in notice.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # the part holds groups of header fields: the message's, then one per recipient
        groups = part.get_payload()
        if isinstance(groups, list) and len(groups) >= 2:
            return {key: str(value) for key, value in groups[1].items()}
        text = part.get_payload(decode=True) or b""
        blocks = text.decode("utf-8", "replace").replace("\r\n", "\n").split("\n\n")
        if len(blocks) >= 2:
            fields = email.message_from_string(blocks[1], policy=policy.default)
            return {key: str(value) for key, value in fields.items()}
    raise ReportError("pas de partie message/delivery-status")


def _returned_message_id(notice: EmailMessage) -> str:
    for part in notice.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/rfc822-headers", "text/rfc822-headers"):
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) else None
            if returned is None:
                text = part.get_payload(decode=True) or b""
                returned = email.message_from_bytes(text, policy=policy.default)
            found = returned.get("Message-ID")
            if found:
                return str(found).strip()
    raise ReportError("le message renvoyé n'a pas d'en-tête Message-ID")


def read_notices(path: Path, say: Callable[[str], None] = print) -> tuple[int, int]:
    """Record the notices of a Maildir (its new messages, moved to cur/ once read: a
    report or not, an auto-reply say) or of one .eml file; `say` gets a line for each.
    Returns how many were recorded, and how many were no report. A file the system cannot
    read stays in new/ for the next pass."""
    recorded = unread = 0
    for found, done in _notices(path):
        try:
            report = read_dsn(found.read_bytes())
        except OSError as exc:
            say(f"{found}: illisible ({exc.strerror})")
            unread += 1
            continue
        except ReportError as exc:
            say(f"{found}: {exc}")
            unread += 1
        else:
            moved = record_report(report)
            recorded += moved
            verdict = report.event if moved else "déjà enregistré ou message inconnu"
            say(f"{found}: {report.message_id} — {verdict}")
        if done is not None:
            found.rename(done / f"{found.name}:2,S")
    return recorded, unread


def has_new_notices(maildir: Path) -> bool:
    new = maildir / "new"
    return new.is_dir() and any(new.iterdir())


def _notices(path: Path) -> list[tuple[Path, Path | None]]:
    """The files to read, each with the folder it moves to once read (Maildir's cur/)."""
    if path.is_file():
        return [(path, None)]
    if (path / "new").is_dir() and (path / "cur").is_dir():
        return [(found, path / "cur") for found in sorted((path / "new").iterdir())]
    raise ReportError(f"{path} : ni un fichier, ni un dossier Maildir (new/, cur/)")
