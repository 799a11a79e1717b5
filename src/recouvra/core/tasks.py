"""Background tasks of the core app (django-tasks; run by `recouvra worker`)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(
    subject: str, body: str, to: list[str], html: str | None = None, from_email: str | None = None
) -> int:
    """Send one email through the configured backend (EMAIL_URL). Returns the number sent."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
