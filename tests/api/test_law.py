"""The law calculator through the API: each endpoint answers what `recouvra law` prints."""

from __future__ import annotations

import contextlib
import json
from io import StringIO
from typing import Any

import jsonschema
from django.core.management import CommandError, call_command

from recouvra.api.models import Scope

from .base import ApiTestCase

# (command, its command-line arguments, the same inputs as the endpoint's JSON body)
SAME_INPUTS: list[tuple[str, list[str], dict[str, Any]]] = [
    (
        "interest",
        ["--principal", "5000", "--due", "2023-12-31", "--until", "2024-01-30"],
        {"principal_cents": 500_000, "due": "2023-12-31", "until": "2024-01-30"},
    ),
    (
        "interest",
        [
            "--principal",
            "1 234,56",
            "--due",
            "2024-05-15",
            "--until",
            "2025-02-28",
            "--contractual-rate",
            "18.5",
            "--day-count",
            "actual/366",
        ],
        {
            "principal_cents": 123_456,
            "due": "2024-05-15",
            "until": "2025-02-28",
            "contractual_rate": "18.5",
            "day_count": "actual/366",
        },
    ),
    (
        "legal-interest",
        [
            "--principal",
            "1000",
            "--from",
            "2024-01-15",
            "--until",
            "2025-06-30",
            "--creditor-consumer",
            "--judgment-enforceable",
            "2024-03-01",
        ],
        {
            "principal_cents": 100_000,
            "start": "2024-01-15",
            "until": "2025-06-30",
            "creditor_consumer": True,
            "judgment_enforceable": "2024-03-01",
        },
    ),
    ("fees", ["--invoices", "3"], {"invoices": 3}),
    ("fees", ["--invoices", "2", "--consumer"], {"invoices": 2, "consumer": True}),
    ("fees", ["--invoices", "2", "--insolvency"], {"invoices": 2, "insolvency": True}),
    (
        "deadline",
        ["--from", "2026-04-30", "--months", "1"],
        {"start": "2026-04-30", "months": 1},
    ),
    (
        "deadline",
        ["--from", "2026-12-11", "--days", "15", "--alsace-moselle"],
        {"start": "2026-12-11", "days": 15, "alsace_moselle": True},
    ),
    (
        "limitation",
        [
            "--from",
            "2021-03-01",
            "--kind",
            "commercial",
            "--interruption",
            "acknowledgement:2023-01-10",
            "--interruption",
            "reminder:2024-02-01",
        ],
        {
            "start": "2021-03-01",
            "kind": "commercial",
            "interruptions": [
                {"kind": "acknowledgement", "on": "2023-01-10"},
                {"kind": "reminder", "on": "2024-02-01"},
            ],
        },
    ),
    (
        "seizable-wage",
        ["--net", "2500", "--year", "2025", "--dependants", "1"],
        {"net_cents": 250_000, "year": 2025, "dependants": 1},
    ),
    (
        "seizable-wage",
        ["--net", "1800,50", "--year", "2025", "--on", "2025-06-15"],
        {"net_cents": 180_050, "year": 2025, "on": "2025-06-15"},
    ),
    ("bank-floor", ["--on", "2025-05-01"], {"on": "2025-05-01"}),
    (
        "procedure",
        ["--amount", "3500", "--interest", "200", "--consumer-debtor"],
        {"amount_cents": 350_000, "interest_cents": 20_000, "consumer_debtor": True},
    ),
    (
        "procedure",
        ["--amount", "12000", "--disputed", "--consumer-creditor", "--abroad"],
        {"amount_cents": 1_200_000, "disputed": True, "consumer_creditor": True, "abroad": True},
    ),
    (
        "allocate",
        [
            "--amount",
            "1000",
            "--debt",
            "F1:800",
            "--debt",
            "F2:500:20:40:2025-03-31:12",
            "--paid-on",
            "2025-04-01",
        ],
        {
            "amount_cents": 100_000,
            "debts": [
                {"ref": "F1", "principal_cents": 80_000},
                {
                    "ref": "F2",
                    "principal_cents": 50_000,
                    "interest_cents": 2_000,
                    "fees_cents": 4_000,
                    "due_date": "2025-03-31",
                    "rate": "12",
                },
            ],
            "paid_on": "2025-04-01",
        },
    ),
    (
        "allocate",
        ["--amount", "2000", "--debt", "F1:800", "--debt", "F2:500", "--designated", "F2"],
        {
            "amount_cents": 200_000,
            "debts": [
                {"ref": "F1", "principal_cents": 80_000},
                {"ref": "F2", "principal_cents": 50_000},
            ],
            "designated": "F2",
        },
    ),
    (
        "statement",
        [
            "--as-of",
            "2026-03-01",
            "--claim",
            "F1:1000:2025-12-01",
            "--claim",
            "F2:500,00:2026-01-15:b2b:12:2025-12-16",
            "--claim",
            "C1:300:2025-10-01:consumer",
            "--payment",
            "P1:2026-02-01:300",
            "--payment",
            "P2:2026-02-10:50:C1",
            "--event",
            "formal_notice:2025-11-02:C1",
        ],
        {
            "as_of": "2026-03-01",
            "claims": [
                {"ref": "F1", "principal_cents": 100_000, "due_date": "2025-12-01"},
                {
                    "ref": "F2",
                    "principal_cents": 50_000,
                    "due_date": "2026-01-15",
                    "contractual_rate": "12",
                    "issue_date": "2025-12-16",
                },
                {
                    "ref": "C1",
                    "principal_cents": 30_000,
                    "due_date": "2025-10-01",
                    "debtor_is_professional": False,
                },
            ],
            "payments": [
                {"ref": "P1", "received_on": "2026-02-01", "amount_cents": 30_000},
                {
                    "ref": "P2",
                    "received_on": "2026-02-10",
                    "amount_cents": 5_000,
                    "designated_ref": "C1",
                },
            ],
            "events": [{"kind": "formal_notice", "on": "2025-11-02", "claim_ref": "C1"}],
        },
    ),
    (
        # a contractual rate below the floor: the statement runs that semester at the floor
        "statement",
        ["--as-of", "2024-09-30", "--claim", "F-FLOOR:1000:2024-01-10:b2b:10"],
        {
            "as_of": "2024-09-30",
            "claims": [
                {
                    "ref": "F-FLOOR",
                    "principal_cents": 100_000,
                    "due_date": "2024-01-10",
                    "contractual_rate": "10",
                }
            ],
        },
    ),
]


def command_output(*args: str) -> dict[str, Any]:
    out = StringIO()
    with contextlib.suppress(CommandError):  # an error is printed as JSON too
        call_command("law", *args, stdout=out)
    return json.loads(out.getvalue())


def as_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's type lists, for jsonschema to check."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in found:
        found["type"] = [found["type"], "null"]
    return found


class LawEndpointsTestCase(ApiTestCase):
    def test_each_endpoint_answers_what_the_command_prints(self) -> None:
        for command, args, body in SAME_INPUTS:
            with self.subTest(command=command, args=args):
                response = self.post(f"law/{command}", body)
                self.assertEqual(response.status_code, 200, response.content[:500])
                self.assertEqual(response.json(), command_output(command, *args))

    def test_the_statement_names_the_claims_run_at_the_legal_floor(self) -> None:
        body = SAME_INPUTS[-1][2]
        answer = self.post("law/statement", body).json()
        self.assertEqual(answer["below_floor"], ["F-FLOOR"])
        line = answer["claims"][0]
        self.assertIn("plancher légal", line["floor_mention_fr"])
        self.assertEqual({p["refused_rate"] for p in line["interest_periods"]}, {"10"})

    def test_each_answer_is_what_the_schema_says(self) -> None:
        schema = self.client.get("/api/schema/?format=json").json()
        for command, _args, body in SAME_INPUTS:
            with self.subTest(command=command):
                operation = schema["paths"][f"/api/v1/law/{command}"]["post"]
                answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
                jsonschema.validate(
                    self.post(f"law/{command}", body).json(), as_json_schema(answer)
                )

    def test_a_read_key_computes_and_a_key_without_read_does_not(self) -> None:
        body = {"invoices": 1}
        reader = self.key_with([Scope.READ], name="lecture")
        self.assertEqual(self.post("law/fees", body, key=reader).status_code, 200)
        importer = self.key_with([Scope.IMPORTS], name="imports seulement")
        self.assertProblem(self.post("law/fees", body, key=importer), 403)
        self.assertProblem(self.post("law/fees", body, key="rcv_inconnue_xyz"), 401)


class LawRefusalsTestCase(ApiTestCase):
    def test_an_amount_with_decimals_is_refused_naming_the_field(self) -> None:
        body = {"principal_cents": 5000.5, "due": "2023-12-31", "until": "2024-01-30"}
        self.assertProblem(self.post("law/interest", body), 400, "principal_cents")

    def test_an_amount_written_as_text_is_refused(self) -> None:
        body = {"principal_cents": "5000", "due": "2023-12-31", "until": "2024-01-30"}
        self.assertProblem(self.post("law/interest", body), 400, "principal_cents")

    def test_a_rate_is_decimal_text_from_0_to_100(self) -> None:
        body = {"principal_cents": 100, "due": "2023-12-31", "until": "2024-01-30"}
        for rate in (12.5, "1e1", "100.5", "-1", "12,5", ""):
            with self.subTest(rate=rate):
                response = self.post("law/interest", {**body, "contractual_rate": rate})
                self.assertProblem(response, 400, "contractual_rate")

    def test_a_flag_is_a_json_boolean(self) -> None:
        self.assertProblem(self.post("law/fees", {"invoices": 1, "consumer": 0}), 400, "consumer")

    def test_an_unknown_field_is_refused(self) -> None:
        body = {"invoices": 1, "debtor_is_professional": True}
        self.assertProblem(self.post("law/fees", body), 400, "debtor_is_professional")

    def test_a_date_out_of_range_is_a_400_naming_the_field(self) -> None:
        body = {"principal_cents": 100, "due": "2023-12-31", "until": "9999-12-31"}
        problem = self.assertProblem(self.post("law/interest", body), 400, "until")
        self.assertIn("31/12/2199", problem["errors"][0]["message"])

    def test_a_nested_field_is_named_with_its_place(self) -> None:
        body = {"amount_cents": 100, "debts": [{"ref": "F1", "principal_cents": 1.5}]}
        self.assertProblem(self.post("law/allocate", body), 400, "debts.0.principal_cents")

    def test_bounds_of_counts_are_enforced(self) -> None:
        self.assertProblem(self.post("law/fees", {"invoices": 10_001}), 400, "invoices")
        self.assertProblem(self.post("law/allocate", {"amount_cents": 1, "debts": []}), 400)
        claims = [
            {"ref": f"F{i}", "principal_cents": 100, "due_date": "2025-01-01"} for i in range(201)
        ]
        body = {"as_of": "2025-06-30", "claims": claims}
        self.assertProblem(self.post("law/statement", body), 400, "claims")

    def test_a_rate_below_the_floor_is_a_422_with_the_engines_message(self) -> None:
        args = ["--principal", "5000", "--due", "2023-12-31", "--until", "2024-01-30"]
        args += ["--contractual-rate", "10"]
        body = {
            "principal_cents": 500_000,
            "due": "2023-12-31",
            "until": "2024-01-30",
            "contractual_rate": "10",
        }
        problem = self.assertProblem(self.post("law/interest", body), 422)
        printed = command_output("interest", *args)
        self.assertEqual(printed["error"], "contractual_rate_too_low")
        self.assertEqual(problem["detail"], printed["message_fr"])
        # the problem's `detail` is the French message (the command's is the engine's own)
        shared = [key for key in printed if key != "detail"]
        self.assertEqual({k: problem[k] for k in shared}, {k: printed[k] for k in shared})

    def test_a_missing_rate_is_a_422_saying_which_rate(self) -> None:
        # the legal rate of 2026-S2 is not in the packaged tables
        body = {"principal_cents": 100_000, "start": "2026-06-01", "until": "2026-07-15"}
        problem = self.assertProblem(self.post("law/legal-interest", body), 422)
        self.assertEqual(problem["error"], "rate_unavailable")
        self.assertIn("Paramètres → Taux", problem["detail"])

    def test_two_claims_with_one_reference_are_refused(self) -> None:
        claim = {"ref": "F1", "principal_cents": 100, "due_date": "2025-01-01"}
        body = {"as_of": "2025-06-30", "claims": [claim, claim]}
        problem = self.assertProblem(self.post("law/statement", body), 422)
        self.assertEqual(problem["error"], "invalid_claim")
