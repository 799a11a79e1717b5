"""API keys: made in Paramètres → API or by `recouvra api-key`, shown once, stored hashed,
revocable, expiring; a key acts under its own name."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.utils import timezone

from recouvra.api.models import ApiKey, hash_secret
from recouvra.core import audit
from recouvra.ledger.models import Creditor

from ..base import SIREN_ALPHA, make_creditor
from .base import ApiTestCase


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`recouvra api-key ARGV…` in this process, on the test database (call_command: the
    command line itself would close the test's database connection when done)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("api_key", *argv[1:], stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


class KeyPageTests(ApiTestCase):
    def test_an_admin_creates_a_key_and_sees_it_once(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(
            "/parametres/api/nouvelle/", {"name": "ERP nuit", "scopes": ["read", "write"]}
        )
        self.assertEqual(response.status_code, 200)
        secret = response.context["secret"]
        self.assertContains(response, secret)
        row = ApiKey.objects.get(name="ERP nuit")
        self.assertEqual(row.scopes, ["read", "write"])
        self.assertEqual(row.secret_hash, hash_secret(secret))
        self.assertNotIn(secret, str(ApiKey.objects.filter(pk=row.pk).values().get()))
        # the list shows its prefix, never the secret again
        listing = self.client.get("/parametres/api/")
        self.assertContains(listing, f"rcv_{row.prefix}")
        self.assertNotContains(listing, secret)
        self.assertEqual(self.get("creditors/", key=secret).status_code, 200)

    def test_a_key_restricted_to_a_mandant_of_another_organisation_is_refused(self) -> None:
        self.client.force_login(self.alice)
        theirs = make_creditor(self.beta, "Créancier de Beta")
        response = self.client.post(
            "/parametres/api/nouvelle/",
            {"name": "Clé", "scopes": ["read"], "mandant": theirs.pk},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ApiKey.objects.filter(name="Clé").exists())

    def test_an_agent_may_not_see_or_make_keys(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get("/parametres/api/").status_code, 403)
        response = self.client.post("/parametres/api/nouvelle/", {"name": "X", "scopes": ["read"]})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ApiKey.objects.filter(name="X").exists())

    def test_a_revoked_key_gets_401_at_once(self) -> None:
        self.client.force_login(self.alice)
        row = self.api_key_row(self.key)
        self.assertEqual(self.get("creditors/").status_code, 200)
        self.client.post(f"/parametres/api/{row.pk}/revoquer/")
        self.assertProblem(self.get("creditors/"), 401)
        self.assertTrue(audit.history(row).filter(action="update").exists())

    def test_an_expired_key_gets_401(self) -> None:
        ApiKey.objects.filter(prefix=self.api_key_row(self.key).prefix).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        self.assertProblem(self.get("creditors/"), 401)

    def test_the_last_use_is_recorded(self) -> None:
        self.assertIsNone(self.api_key_row(self.key).last_used_at)
        self.get("creditors/")
        self.assertIsNotNone(self.api_key_row(self.key).last_used_at)

    def test_a_write_is_audited_under_the_keys_name(self) -> None:
        response = self.post("creditors/", {"name": "Bâtimat Distribution"})
        self.assertEqual(response.status_code, 201)
        creditor = Creditor.objects.get(pk=response.json()["id"])
        event = audit.history(creditor).get(action="create")
        self.assertEqual(str(event.actor), "ERP d'alice (clé d'API)")

    def test_the_keys_user_cannot_sign_in(self) -> None:
        user = self.api_key_row(self.key).user
        self.assertFalse(user.has_usable_password())
        self.assertFalse(user.is_active)
        self.assertFalse(user.memberships.exists())


class KeyCommandTests(ApiTestCase):
    def test_it_prints_the_key_alone_on_its_last_line(self) -> None:
        code, out, _err = run_cli(
            "api-key", "create", "--organization", SIREN_ALPHA, "--name", "ERP",
            "--scopes", "read,write", "--mandant", str(self.creditor.pk),
        )  # fmt: skip
        self.assertEqual(code, 0)
        secret = out.strip().splitlines()[-1]
        self.assertTrue(secret.startswith("rcv_"))
        row = self.api_key_row(secret)
        self.assertEqual(
            (row.name, row.scopes, row.mandant), ("ERP", ["read", "write"], self.creditor)
        )
        self.assertEqual(self.get("creditors/", key=secret).status_code, 200)

    def test_it_refuses_an_unknown_scope_or_organisation(self) -> None:
        code, _out, err = run_cli(
            "api-key", "create", "--organization", SIREN_ALPHA, "--name", "ERP",
            "--scopes", "read,everything",
        )  # fmt: skip
        self.assertNotEqual(code, 0)
        self.assertIn("everything", err)
        code, _out, err = run_cli(
            "api-key", "create", "--organization", "000000000", "--name", "E", "--scopes", "read"
        )
        self.assertNotEqual(code, 0)
        self.assertFalse(ApiKey.objects.filter(name__in=["ERP", "E"]).exists())

    def test_it_lists_and_revokes(self) -> None:
        prefix = self.api_key_row(self.key).prefix
        _code, out, _err = run_cli("api-key", "list", "--organization", SIREN_ALPHA)
        self.assertIn(f"rcv_{prefix}\tactive", out)
        self.assertEqual(run_cli("api-key", "revoke", f"rcv_{prefix}")[0], 0)
        self.assertProblem(self.get("creditors/"), 401)


class CommandLineTests(SimpleTestCase):
    def test_recouvra_api_key_is_the_api_key_command(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "recouvra", "api-key", "create", "--help"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
        for option in ("--organization", "--name", "--scopes", "--mandant", "--expires"):
            self.assertIn(option, done.stdout)
