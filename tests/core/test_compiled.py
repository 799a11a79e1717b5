"""The compiled engine: which modules are compiled, and a stale one is caught."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from unittest import mock

import pytest

from recouvra import compiled


def test_under_make_test_compiled_every_module_is_compiled() -> None:
    expected = list(compiled.MODULES) if os.environ.get("RECOUVRA_EXPECT_COMPILED") else []
    assert compiled.compiled() == expected
    assert compiled.stale() == []


@pytest.fixture
def package(tmp_path: Path):  # noqa: ANN201
    """A package with one module, its source and a (dummy) compiled file beside it."""
    folder = tmp_path / "fakeengine"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    source = folder / "rules.py"
    source.write_text("X = 1\n")
    binary = folder / ("rules" + sysconfig.get_config_var("EXT_SUFFIX"))
    binary.write_bytes(b"")
    sys.path.insert(0, str(tmp_path))
    try:
        with mock.patch.object(compiled, "MODULES", ("fakeengine.rules",)):
            yield source, binary
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fakeengine", None)


def test_a_compiled_module_older_than_its_source_is_stale(package) -> None:  # noqa: ANN001
    source, binary = package
    os.utime(binary, (1_000_000, 1_000_000))
    os.utime(source, (2_000_000, 2_000_000))
    assert compiled.compiled() == ["fakeengine.rules"]
    assert compiled.stale() == ["fakeengine.rules"]
    os.utime(binary, (3_000_000, 3_000_000))
    assert compiled.stale() == []
