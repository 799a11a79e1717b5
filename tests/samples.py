"""The real files in ../shared/samples (beside the repo on developer machines and in CI).

Tests that read them skip cleanly when the folder is absent, as in a user's clone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def sample_dir(folder: str) -> Path:
    return SHARED_SAMPLES / folder


def sample_files(folder: str) -> list:
    """One pytest param per file of the folder, or a single skipped param without samples."""
    path = sample_dir(folder)
    if not path.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no samples at {path}"))]
    return [pytest.param(file, id=file.name) for file in sorted(path.iterdir())]
