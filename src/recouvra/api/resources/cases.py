"""API resources of this area (see resources/__init__.py)."""

from __future__ import annotations

routes: list = []
paths: list = []
