"""`recouvra parse FILE [--format ...] [--json]`: what a file holds, without importing it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recouvra.imports.parsers import detect
from recouvra.imports.parsers.fec import parse_fec

from ..samples import SHARED_SAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
FEC = DATA / "fec_small.txt"
CSV = DATA / "open_items_utf8_semicolon.csv"
SAMPLES = SHARED_SAMPLES


def parse(*args: str) -> str:
    out = StringIO()
    call_command("parse", *args, stdout=out)
    return out.getvalue()


def test_json_is_the_parsers_records() -> None:
    printed = parse(str(FEC), "--json")
    assert json.loads(printed) == parse_fec(FEC.read_bytes(), filename=FEC.name).as_json()
    assert "DUPONT SARL" in printed and "  " in printed  # indented, accents as they are


def test_json_keeps_accents_unescaped() -> None:
    printed = parse(str(CSV), "--json")
    data = json.loads(printed)
    assert data["format"] == "csv"
    assert "Société d'Équipement Générale" in printed
    assert data["errors"][0]["reason"] == "montant illisible : « 12,3,4 »"


def test_summary_of_a_ledger() -> None:
    printed = parse(str(CSV))
    assert printed.splitlines()[:4] == [
        "Format : csv",
        "Créances : 4 (total 4\u202f584,56\u00a0€)",
        "Débiteurs : 3",
        "Erreurs : 1",
    ]
    assert "  ligne 6, Montant dû : montant illisible : « 12,3,4 »" in printed
    assert "Avertissement : ligne 11 : ligne de total ignorée" in printed


@pytest.mark.skipif(not (SAMPLES / "cfonb120").is_dir(), reason=f"no samples in {SAMPLES}")
def test_summary_of_a_bank_statement() -> None:
    printed = parse(str(SAMPLES / "cfonb120" / "oca_sg_30003_classic.cfo"))
    assert printed.startswith("Format : cfonb120\nComptes : 1\n")
    assert "13 opération(s), équilibré" in printed


def test_the_format_can_be_forced() -> None:
    assert parse(str(FEC), "--format", "fec").startswith("Format : fec")
    with pytest.raises(CommandError, match="XLSX illisible") as caught:
        parse(str(FEC), "--format", "xlsx")
    assert caught.value.returncode == 2


def test_an_unreadable_file_exits_with_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "lettre.txt"
    bad.write_text("Bonjour,\nceci n'est pas un relevé.\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        parse(str(bad))
    assert caught.value.returncode == 2
    assert "lettre.txt" in str(caught.value) and "format non reconnu" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        parse(str(tmp_path / "absent.csv"))
    assert caught.value.returncode == 2 and "fichier illisible" in str(caught.value)


def test_a_file_over_the_cap_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "MAX_BYTES", 100)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read despite the cap"))
    with pytest.raises(CommandError, match="trop volumineux") as caught:
        parse(str(FEC))
    assert caught.value.returncode == 2


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECOUVRA_VAR_DIR": str(tmp_path)}  # no secret key written to ./var
    return subprocess.run(
        [sys.executable, "-m", "recouvra", "parse", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_from_the_command_line(tmp_path: Path) -> None:
    done = run_cli(tmp_path, str(FEC), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["claims"][0]["reference"] == "F001"

    bad = tmp_path / "vide.csv"
    bad.write_bytes(b"")
    done = run_cli(tmp_path, str(bad))
    assert done.returncode == 2
    assert "vide.csv : fichier vide" in done.stderr
    assert done.stdout == ""
