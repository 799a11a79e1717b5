"""Every operation of the schema, fuzzed by schemathesis with a valid key: no 5xx, every
response as the schema says."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from recouvra.api.keys import create_key
from recouvra.core.models import Organization, OrganizationKind
from recouvra.wsgi import application

from ..base import SIREN_ALPHA


@pytest.fixture
def secret(db) -> str:  # noqa: ANN001
    org = Organization.objects.create(
        name="Alpha Recouvrement", kind=OrganizationKind.AGENCY, siren=SIREN_ALPHA
    )
    return create_key(org, name="fuzz", scopes=["read", "write", "imports", "payments"]).secret


# what the issue asks: no 5xx, every answer as the schema says (its code, its type, its
# body, its headers). Not `negative_data_rejection`: an empty filter (`?updated_since=`) is
# ignored, as on the pages, rather than refused.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]

# loaded when the module is collected: the schema view reads no database
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def in_one_transaction():  # noqa: ANN201
    """The WSGI app would close the test's connection at the end of each request, as it
    does outside a transaction (Django's test client turns this off the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("in_one_transaction")
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, secret) -> None:  # noqa: ANN001
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
