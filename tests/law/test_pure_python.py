"""recouvra.law must stay free of Django so that it can be read and tested alone."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import recouvra.law


def test_no_law_module_imports_django() -> None:
    names = [f"recouvra.law.{m.name}" for m in pkgutil.iter_modules(recouvra.law.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(names) >= 8
    assert done.stdout.strip() == ""
