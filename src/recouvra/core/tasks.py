"""Background tasks of the core app (django-tasks; run by `recouvra worker`)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from .worker import TaskKind, register


@task()
def send_email(
    subject: str, body: str, to: list[str], html: str | None = None, from_email: str | None = None
) -> int:
    """Send one email through the configured backend (EMAIL_URL). Returns the number sent."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


# run again after an interruption: at worst a second copy of an account e-mail (a reset
# link) reaches the user, rather than none
register(send_email, TaskKind(label=_("E-mail du compte"), time_limit=120))
