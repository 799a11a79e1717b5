"""Steps the browser tests share."""

from __future__ import annotations


def log_in(page, base_url: str, email: str, password: str = "password") -> None:  # noqa: ANN001
    """Sign in through the login page and land on the dashboard."""
    page.goto(f"{base_url}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
