"""The lettrage engine, compiled to C with mypyc when speed matters (`make compile`).

The modules below are plain, type-annotated Python and run as they are. Compiled by mypyc
(into .so files beside their sources) the same code decides a bank line about 1.5 times
faster and loads a million claims a third faster. A compiled module shadows its source:
one left behind after the source changed would run old code, so Django refuses to start
until it is compiled again (`make compile`) or removed (`make clean-compiled`).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

MODULES = (
    "recouvra.law.money",
    "recouvra.law.allocation",
    "recouvra.lettrage.remittance",
    "recouvra.lettrage.matching",
)


def compiled() -> list[str]:
    """The modules of MODULES that Python loads from a compiled file."""
    return [name for name in MODULES if _origin(name).suffix != ".py"]


def stale() -> list[str]:
    """Compiled modules whose source changed after they were compiled."""
    found = []
    for name in compiled():
        origin = _origin(name)
        source = origin.with_name(name.rsplit(".", 1)[1] + ".py")
        if source.exists() and source.stat().st_mtime > origin.stat().st_mtime:
            found.append(name)
    return found


def _origin(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(f"No module named {name}")
    return Path(spec.origin)


def build() -> None:
    """Compile MODULES with mypyc, each .so beside its source (what `make compile` does)."""
    root = _root()
    sources = [name.replace(".", "/") + ".py" for name in MODULES]
    try:
        subprocess.run([sys.executable, "-m", "mypyc", *sources], cwd=root, check=True)
    finally:
        shutil.rmtree(root / "build", ignore_errors=True)  # mypyc's C files and objects


def clean() -> list[Path]:
    """Remove the compiled files: the sources run as they are again."""
    root = _root()
    found = list(root.glob("*__mypyc*.so"))
    for name in MODULES:
        folder, stem = name.replace(".", "/").rsplit("/", 1)
        found += (root / folder).glob(f"{stem}.*.so")
    for path in found:
        path.unlink()
    return found


def _root() -> Path:
    """The folder holding the recouvra package (src/ in a checkout)."""
    return Path(__file__).resolve().parent.parent


if __name__ == "__main__":
    if sys.argv[1:] == ["build"]:
        build()
    elif sys.argv[1:] == ["clean"]:
        clean()
    else:
        sys.exit("usage: python -m recouvra.compiled build|clean")
