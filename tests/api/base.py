"""What the API tests share: the personas' keys and calls that send them.

alice (admin of Alpha) has `self.key` (read, write, imports, payments); charlie (admin of
Beta, a stranger) has `self.charlie_key`; `self.key_with(...)` makes others (a read-only key,
a key restricted to one mandant)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from recouvra.api.keys import create_key
from recouvra.api.models import ApiKey, Scope
from recouvra.ledger.models import Creditor

from ..base import RecouvraTestCase

ALL_SCOPES = [Scope.READ, Scope.WRITE, Scope.IMPORTS, Scope.PAYMENTS]


class ApiTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.key = self.key_with(ALL_SCOPES, name="ERP d'alice")
        self.charlie_key = self.key_with(ALL_SCOPES, name="ERP de charlie", org=self.beta)
        self.api = Client()

    def key_with(
        self,
        scopes: list[str],
        *,
        name: str = "Clé de test",
        org: Any = None,
        mandant: Creditor | None = None,
    ) -> str:
        """A new key's secret (the ApiKey row: `ApiKey.objects.get(name=name)`)."""
        return create_key(
            org or self.alpha, name=name, scopes=scopes, mandant=mandant, created_by=self.alice
        ).secret

    def api_key_row(self, secret: str) -> ApiKey:
        return ApiKey.objects.get(prefix=secret.split("_")[1])

    def call(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Any:
        """`method` on /api/v1/`path` with alice's key (or `key`); `data` sent as JSON."""
        url = path if path.startswith("/") else f"/api/v1/{path}"
        sent = {"HTTP_AUTHORIZATION": f"Bearer {key or self.key}"}
        for name, value in (headers or {}).items():
            sent["HTTP_" + name.upper().replace("-", "_")] = value
        if data is not None and "content_type" not in extra:
            extra.update(data=json.dumps(data), content_type="application/json")
        elif data is not None:
            extra["data"] = data
        return getattr(self.api, method.lower())(url, **sent, **extra)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, data, **kwargs)

    def patch(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", path, data, **kwargs)

    def assertProblem(self, response: Any, status: int, field: str | None = None) -> dict:  # noqa: N802
        """The response is a problem+json of this status (naming `field` among its errors)."""
        self.assertEqual(response.status_code, status, response.content[:500])
        self.assertEqual(response["Content-Type"], "application/problem+json")
        body = response.json()
        self.assertEqual(body["status"], status)
        if field is not None:
            fields = [error["field"] for error in body.get("errors", [])]
            self.assertIn(field, fields, body)
        return body
