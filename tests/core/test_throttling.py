"""Signing in is locked after repeated wrong passwords (django-axes), and password reset
mails are throttled without telling whether an address has an account."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recouvra.core.models import PasswordResetRequest

from ..base import RecouvraTestCase


class LoginLockoutTestCase(RecouvraTestCase):
    def sign_in(self, password: str, email: str = "alice@example.org"):  # noqa: ANN201
        return self.client.post(reverse("login"), {"username": email, "password": password})

    def test_it_locks_an_address_out_after_five_wrong_passwords(self) -> None:
        for _ in range(5):
            self.sign_in("wrong")
        response = self.sign_in("password")
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_answers_a_lockout_in_french(self) -> None:
        responses = [self.sign_in("wrong") for _ in range(6)]
        self.assertEqual([r.status_code for r in responses], [200] * 4 + [429] * 2)
        self.assertContains(responses[-1], "Trop de tentatives de connexion", status_code=429)
        self.assertContains(responses[-1], "pendant 15 minutes", status_code=429)

    def test_it_counts_an_address_whatever_its_case(self) -> None:
        for email in ("Alice@Example.org", "ALICE@EXAMPLE.ORG", "alice@example.org ") * 2:
            self.sign_in("wrong", email)
        self.assertEqual(self.sign_in("password").status_code, 429)

    def test_it_leaves_other_addresses_open(self) -> None:
        for _ in range(6):
            self.sign_in("wrong")
        response = self.sign_in("password", "charlie@example.org")
        self.assertRedirects(response, "/")

    def test_it_forgets_the_failures_after_a_success(self) -> None:
        for _ in range(4):
            self.sign_in("wrong")
        self.assertRedirects(self.sign_in("password"), "/")
        self.client.logout()
        for _ in range(4):
            self.sign_in("wrong")
        self.assertRedirects(self.sign_in("password"), "/")

    def test_it_still_lets_tests_sign_in_with_a_request(self) -> None:
        logged = self.client.login(
            request=HttpRequest(), username="alice@example.org", password="password"
        )
        self.assertTrue(logged)


class PasswordResetThrottleTestCase(RecouvraTestCase):
    def ask(self, email: str = "alice@example.org", ip: str = "192.0.2.1"):  # noqa: ANN201
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)

    def queued_mails(self) -> int:
        return DBTaskResult.objects.count()

    def test_it_sends_one_mail_for_twenty_requests_in_a_row(self) -> None:
        for _ in range(20):
            self.assertRedirects(self.ask(), reverse("password_reset_done"))
        self.assertEqual(self.queued_mails(), 1)

    def test_it_answers_alike_for_an_unknown_address(self) -> None:
        known, unknown = self.ask(), self.ask("nobody@example.org")
        self.assertEqual((known.status_code, known.url), (unknown.status_code, unknown.url))
        self.assertEqual(self.queued_mails(), 1)

    def test_it_caps_the_mails_asked_from_one_client(self) -> None:
        for n in range(8):
            self.ask(f"user{n}@example.org")
        self.ask("charlie@example.org")
        self.assertEqual(PasswordResetRequest.objects.count(), 5)
        self.assertEqual(self.queued_mails(), 0)  # charlie's came sixth: held back
        self.ask("charlie@example.org", ip="192.0.2.2")
        self.assertEqual(self.queued_mails(), 1)

    @override_settings(PASSWORD_RESET_MAIL_MINUTES=15)
    def test_it_sends_again_once_the_minutes_have_passed(self) -> None:
        self.ask()
        PasswordResetRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=16))
        self.ask()
        self.assertEqual(self.queued_mails(), 2)
