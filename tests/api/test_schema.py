"""The OpenAPI schema validates, covers every route, and the documentation page shows it."""

from __future__ import annotations

import json
import tempfile

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase

from recouvra.api.urls import router

from ..base import make_org, make_user


class SchemaTests(SimpleTestCase):
    def test_the_schema_validates_without_a_warning(self) -> None:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            call_command("spectacular", "--validate", "--fail-on-warn", "--format",
                         "openapi-json", "--file", out.name)  # fmt: skip
            schema = json.load(open(out.name))  # noqa: SIM115
        self.assertEqual(schema["openapi"][:2], "3.")
        self.assertIn("Problem", schema["components"]["schemas"])

    def test_every_route_is_in_the_schema(self) -> None:
        schema = self.client.get("/api/schema/?format=json").json()
        paths = set(schema["paths"])
        for prefix, _viewset, _basename in router.registry:
            self.assertIn(f"/api/v1/{prefix}/", paths, prefix)
        # and every operation answers its errors as problems
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                self.assertIn("401", operation["responses"], f"{method} {path}")
                self.assertEqual(operation["security"], [{"apiKey": []}], f"{method} {path}")

    def test_the_documentation_page_loads_its_assets_from_this_site(self) -> None:
        page = self.client.get("/api/docs/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "cdn.")
        self.assertContains(page, "/static/drf_spectacular_sidecar/swagger-ui-dist/")


class SettingsLinkTests(TestCase):
    def test_the_settings_page_leads_administrators_to_the_api(self) -> None:
        alpha = make_org("Alpha")
        self.client.force_login(make_user("alice@example.org", alpha))
        page = self.client.get("/parametres/")
        self.assertContains(page, 'href="/parametres/api/"')
        self.assertContains(page, 'href="/api/docs/"')
