"""`recouvra law ...`: the law engine from the command line, one JSON object per call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from recouvra.lawdesk.models import LawRate


def law(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("law", *args, stdout=out)
    return json.loads(out.getvalue())


def law_error(*args: str) -> tuple[CommandError, dict[str, Any]]:
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("law", *args, stdout=out)
    return caught.value, json.loads(out.getvalue())


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECOUVRA_VAR_DIR": str(tmp_path)}  # no secret key written to ./var
    return subprocess.run(
        [sys.executable, "-m", "recouvra", "law", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


FACTS_EXAMPLE = ("interest", "--principal", "5000", "--due", "2023-12-31", "--until", "2024-01-30")


@pytest.mark.django_db
def test_it_computes_the_facts_example_at_365() -> None:
    # FACTS §1.5: €5,000 at 14.50 % for 30 days in 2024 → €59.59
    result = law(*FACTS_EXAMPLE)
    assert result["total"] == {"cents": 5959, "display": "59,59\u00a0€"}
    assert result["verified"] is True
    assert [(p["start"], p["days"], p["rate"]) for p in result["periods"]] == [
        ("2024-01-01", 30, "14.50")
    ]


@pytest.mark.django_db
def test_it_computes_the_facts_example_at_366() -> None:
    result = law(*FACTS_EXAMPLE, "--day-count", "actual/366")
    assert result["total"]["cents"] == 5943
    assert result["periods"][0]["basis"] == 366


@pytest.mark.django_db
def test_it_flags_an_unverified_rate_instead_of_refusing_it() -> None:
    # the 2026-S2 ECB rate is marked unverified in the packaged table
    result = law(
        "interest", "--principal", "1 000,00", "--due", "2026-06-15", "--until", "2026-07-31"
    )
    assert [p["verified"] for p in result["periods"]] == [True, False]
    assert result["verified"] is False


@pytest.mark.django_db
def test_a_missing_legal_rate_is_an_error_with_a_french_message() -> None:
    error, output = law_error(
        "legal-interest", "--principal", "1000", "--from", "2026-06-01", "--until", "2026-07-15"
    )
    assert error.returncode == 2
    assert output["error"] == "rate_unavailable"
    assert "2026-S2" in output["message_fr"] and "Paramètres → Taux" in output["message_fr"]


@pytest.mark.django_db
def test_a_rate_entered_in_the_app_counts() -> None:
    LawRate.objects.create(
        kind="legal_other", semester="2026-S2", percent=Decimal("2.5"), verified=False, source="x"
    )
    result = law(
        "legal-interest", "--principal", "1000", "--from", "2026-06-30", "--until", "2026-07-31"
    )
    assert result["periods"][0]["rate"] == "2.500"
    assert result["verified"] is False


def test_a_consumer_owes_no_recovery_fee() -> None:
    assert law("fees", "--invoices", "3", "--consumer")["fees"]["cents"] == 0
    assert law("fees", "--invoices", "3")["fees"]["cents"] == 12000


def test_a_deadline_ending_on_a_holiday_moves_to_the_next_working_day() -> None:
    # FACTS §12.3: 8 Apr 2026 + 1 month = Fri 8 May 2026 (holiday) → Mon 11 May 2026
    result = law("deadline", "--from", "2026-04-08", "--months", "1")
    assert (result["raw_end"], result["ends_on"]) == ("2026-05-08", "2026-05-11")
    assert result["raw_end_holiday"] == "Fête de la Victoire"


def test_a_consumer_claim_is_time_barred_after_two_years() -> None:
    result = law("limitation", "--from", "2024-03-15", "--kind", "consumer")
    assert (result["years"], result["ends_on"]) == (2, "2026-03-15")
    assert result["restarted_by"] is None


def test_an_acknowledgement_restarts_the_limitation() -> None:
    result = law(
        "limitation",
        *("--from", "2021-06-01", "--kind", "consumer"),
        *("--interruption", "acknowledgement:2023-01-10"),
        *("--interruption", "formal_notice:2024-12-01"),
    )
    assert result["ends_on"] == "2025-01-10"
    assert result["restarted_by"]["kind"] == "acknowledgement"


def test_it_computes_the_seizable_part_of_a_wage() -> None:
    # FACTS §7.3: 2026, €1,800 net, no dependant → €338.38 a month
    result = law("seizable-wage", "--net", "1800,00", "--year", "2026", "--on", "2026-03-01")
    assert result["seizable"]["cents"] == 33838
    assert result["verified"] is True


def test_the_unverified_april_2026_rsa_is_used_and_flagged() -> None:
    result = law("bank-floor", "--on", "2026-05-01")
    assert (result["amount"]["cents"], result["verified"]) == (65233, False)


def test_an_undisputed_3000_euro_claim_suits_the_injonction_de_payer() -> None:
    routes = law("procedure", "--amount", "3000")["recommendations"]
    first = routes[0]
    assert (first["procedure"], first["suitable"]) == ("injonction_de_payer", True)


def test_an_allocation_splits_the_payment_to_the_cent() -> None:
    result = law(
        *("allocate", "--amount", "100,01"),
        *("--debt", "A:600", "--debt", "B:300", "--debt", "C:300"),
    )
    shares = {a["debt"]: a["total"]["cents"] for a in result["allocations"]}
    assert shares == {"A": 5001, "B": 2500, "C": 2500}
    assert result["credit"]["cents"] == 0


def test_an_allocation_pays_the_oldest_due_debt_first() -> None:
    result = law(
        *("allocate", "--amount", "1500", "--paid-on", "2025-06-30"),
        *("--debt", "F-101:1200:35:40:2025-03-01:12.15"),
        *("--debt", "F-102:800:10::2025-02-01:12.15"),
        *("--debt", "F-103:500:::2025-09-01:12.15"),
    )
    assert [a["debt"] for a in result["allocations"]] == ["F-102", "F-101"]
    assert result["allocations"][1]["principal"]["cents"] == 61500


def test_a_bad_amount_is_reported_as_json() -> None:
    error, output = law_error("seizable-wage", "--net", "12,345", "--year", "2026")
    assert error.returncode == 2
    assert output["error"] == "invalid_amount" and "--net" in output["message_fr"]


def test_the_command_line_prints_json_and_exits_with_zero(tmp_path: Path) -> None:
    # 31 Mar 2026 + 2 months = Sun 31 May 2026 → Mon 1 Jun 2026 (CPC 641-642)
    done = run_cli(tmp_path, "deadline", "--from", "2026-03-31", "--months", "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ends_on"] == "2026-06-01"


def test_the_command_line_exits_non_zero_on_a_bad_date(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "deadline", "--from", "2026-02-30", "--months", "2")
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == "invalid_date"
