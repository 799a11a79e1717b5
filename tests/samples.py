"""The real files in ../shared/samples (beside the repo on developer machines and in CI).

Tests that read them skip cleanly when the folder is absent, as in a user's clone.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def _find_samples() -> Path:
    """shared/samples beside the repository, or beside the folder holding a git worktree."""
    here = Path(__file__).resolve()
    for folder in here.parents[1:4]:
        candidate = folder / "shared" / "samples"
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "shared" / "samples"


SHARED_SAMPLES = _find_samples()


def sample_dir(folder: str) -> Path:
    return SHARED_SAMPLES / folder


def sample_files(folder: str) -> list:
    """One pytest param per file of the folder, or a single skipped param without samples."""
    path = sample_dir(folder)
    if not path.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no samples at {path}"))]
    return [pytest.param(file, id=file.name) for file in sorted(path.iterdir())]
