"""Production settings from the environment (HTTPS behind a proxy, HSTS) and the error
pages: a plain French 500 with its English line, French 404 and 403."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.http import HttpRequest, HttpResponse
from django.test import SimpleTestCase, override_settings
from django.urls import path, reverse

from ..base import RecouvraTestCase


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]

SHOWN = [
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
]


def settings_with(tmp: str, **env: str) -> subprocess.CompletedProcess:
    """recouvra.settings imported in a new process with `env` set."""
    script = (
        "import json, recouvra.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {SHOWN!r}}}))"
    )
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "RECOUVRA_VAR_DIR": tmp,
        "SECRET_KEY": "test",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=60
    )


class SettingsFromEnvironmentTestCase(SimpleTestCase):
    def setUp(self) -> None:
        from tempfile import TemporaryDirectory

        folder = TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.tmp = folder.name

    def test_it_reads_https_settings_from_the_environment(self) -> None:
        done = settings_with(
            self.tmp,
            SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            SECURE_SSL_REDIRECT="true",
            SECURE_HSTS_SECONDS="31536000",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
            SECURE_HSTS_PRELOAD="true",
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(
            json.loads(done.stdout),
            {
                "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                "SECURE_SSL_REDIRECT": True,
                "SECURE_HSTS_SECONDS": 31536000,
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
                "SECURE_HSTS_PRELOAD": True,
            },
        )

    def test_it_leaves_https_off_by_default(self) -> None:
        for name in SHOWN:
            os.environ.pop(name, None)  # this process's own, copied to the child
        done = settings_with(self.tmp)
        self.assertEqual(done.returncode, 0, done.stderr)
        shown = json.loads(done.stdout)
        self.assertEqual(shown["SECURE_PROXY_SSL_HEADER"], None)
        self.assertEqual((shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"]), (False, 0))

    def test_it_takes_a_header_name_as_a_proxy_writes_it(self) -> None:
        done = settings_with(self.tmp, SECURE_PROXY_SSL_HEADER="X-Forwarded-Ssl=on")
        header = json.loads(done.stdout)["SECURE_PROXY_SSL_HEADER"]
        self.assertEqual(header, ["HTTP_X_FORWARDED_SSL", "on"])

    def test_it_refuses_a_header_that_is_no_header(self) -> None:
        done = settings_with(self.tmp, SECURE_PROXY_SSL_HEADER="HTTP_X FORWARDED; rm")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("SECURE_PROXY_SSL_HEADER must name a header", done.stderr)


class HttpsBehindAProxyTestCase(RecouvraTestCase):
    @override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
    )
    def test_it_redirects_plain_http_and_sends_hsts_over_https(self) -> None:
        plain = self.client.get(reverse("login"))
        self.assertEqual(plain.status_code, 301)
        self.assertTrue(plain["Location"].startswith("https://"))
        secure = self.client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(secure.status_code, 200)
        hsts = "max-age=31536000; includeSubDomains; preload"
        self.assertEqual(secure["Strict-Transport-Security"], hsts)


@override_settings(DEBUG=False)
class ErrorPagesTestCase(RecouvraTestCase):
    @override_settings(ROOT_URLCONF=__name__)
    def test_it_answers_a_bug_with_a_plain_french_page_and_its_english_line(self) -> None:
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):
            response = self.client.get("/boom/")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Erreur du serveur", status_code=500)
        self.assertContains(response, "Server error", status_code=500)
        self.assertNotContains(response, "a bug", status_code=500)

    def test_it_answers_an_unknown_page_in_french(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/nulle-part/"), "Page introuvable", status_code=404)

    def test_it_answers_a_forbidden_action_in_french(self) -> None:
        self.client.force_login(self.bob)  # an agent: the organisation's logo is the admin's
        response = self.client.post(reverse("pages:organization_logo"), {"remove": "1"})
        self.assertContains(response, "Seul un administrateur", status_code=403)
        self.assertContains(response, "Accès refusé", status_code=403)
