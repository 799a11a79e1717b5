"""E-mail through Django's email backend (EMAIL_URL): plain text and HTML, Reply-To the
agent, and a Message-ID made from the message's idempotency key (the same on a resend,
so that mail systems can tell it is the same message)."""

from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import sanitize_address

from ..models import Message
from . import PermanentFailure, TemporaryFailure


class EmailSender:
    idempotent = False  # SMTP gives no way to ask whether a message went

    def __init__(self) -> None:
        self._connection = None

    def send(self, message: Message) -> str:
        """Send the message's e-mail: the bytes frozen when it was prepared, as they are,
        through an SMTP backend; built again through any other (console, tests)."""
        if not message.recipient:
            raise PermanentFailure("Le débiteur n'a pas d'adresse e-mail.")
        try:
            backend = self._open()
            smtp = getattr(backend, "connection", None)
            if isinstance(smtp, smtplib.SMTP):
                sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
                smtp.sendmail(sender, [message.recipient], envelope_of(message))
            else:
                email = _email(message)
                email.connection = backend
                email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"Adresse refusée par le serveur : {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"Serveur d'e-mail indisponible : {exc}") from None
        return message.message_id

    def _open(self):  # noqa: ANN202
        """One SMTP connection for all the messages of a delivery pass."""
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._connection.close()
            self._connection = None


def compose(message: Message) -> bytes:
    """The e-mail of `message` as it goes on the wire (RFC 5322, CRLF line ends)."""
    return _email(message).message().as_bytes(linesep="\r\n")


def envelope_of(message: Message) -> bytes:
    if message.envelope:
        with message.envelope.open("rb") as stored:
            return stored.read()
    return compose(message)


def _email(message: Message) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.document:
        with message.document.open("rb") as letter:
            email.attach(_attachment_name(message), letter.read(), "application/pdf")
    return email


def _attachment_name(message: Message) -> str:
    return f"courrier-{message.case.reference or message.case_id}.pdf"


def message_id(idempotency_key: str) -> str:
    return f"<{idempotency_key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
