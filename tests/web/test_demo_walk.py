"""Every page of the demo, as each of its seven users: none answers a server error.

The demo is built once, by the real builder, then dunned as the clock would (the day's run,
the messages prepared, the letters printed). Each user starts from the dashboard and follows
the links of the site (GET only, a few pages of each kind: the URL with its numbers and
query values left out), plus the detail page of a few rows of every kind of object the user
may see, and of every claim whose statement is hard: a contractual rate below the legal
floor (C. com. L441-10 II) or a rate missing from the tables. The demo keeps such claims on
purpose; the test checks that it still does.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.apps import apps
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from recouvra.core.middleware import SESSION_KEY
from recouvra.core.models import Membership, Organization, User
from recouvra.demo.builder import build_demo
from recouvra.demo.organisations import DEMO_USERS
from recouvra.dunning.delivery import prepare_due
from recouvra.dunning.engine import run_dunning
from recouvra.dunning.printing import print_letters
from recouvra.lawdesk.statements import statement_for
from recouvra.ledger.models import Claim

SCALE = 0.05
PAGES_OF_A_KIND = 2  # pages visited per URL shape (path with its numbers, query keys)
PAGES_PER_USER = 400  # a bound on the crawl, far above what the demo has
ROWS_OF_A_KIND = 2  # detail pages visited per model, besides the links followed
SKIPPED = ("/admin/", "/static/", "/media/", "/deconnexion/", "/i18n/")
TRACEBACK = "Traceback (most recent call last)"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def links_of(html: str, base: str) -> list[str]:
    """The links of a page that stay on the site, as paths with their query."""
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.found:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href:
            continue  # another site, mailto:, tel:
        path = parts.path if parts.path.startswith("/") else base.rsplit("/", 1)[0] + "/"
        if not path.startswith(SKIPPED):
            found.append(path + (f"?{parts.query}" if parts.query else ""))
    return found


def kind_of(url: str) -> str:
    """/creances/12/?page=2&q=x → /creances/#/?page&q: pages of one kind."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "#", parts.path) + ("?" + "&".join(keys) if keys else "")


def hard_claims() -> tuple[list[Claim], list[Claim]]:
    """The open claims whose statement today runs at the floor, and those that stop at a
    rate missing from the tables."""
    today = timezone.localdate()
    below, missing = [], []
    for claim in Claim.objects.open().filter(contractual_rate__isnull=False):
        found = statement_for([claim], today)
        if found.below_floor:
            below.append(claim)
        if found.missing_rates:
            missing.append(claim)
    return below, missing


def detail_urls(membership: Membership, extra: list[Claim]) -> list[str]:
    """A few rows of every kind of object the member may see, and the hard claims and
    their cases."""
    urls = []
    for model in apps.get_models():
        manager = model._default_manager
        if not hasattr(model, "get_absolute_url") or not hasattr(manager, "visible_to"):
            continue
        for row in manager.visible_to(membership).order_by("pk")[:ROWS_OF_A_KIND]:
            urls.append(row.get_absolute_url())
    for claim in Claim.objects.visible_to(membership).filter(pk__in=[c.pk for c in extra]):
        urls += [claim.get_absolute_url(), claim.case.get_absolute_url()]
    return urls


class DemoWalkTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.media = tempfile.mkdtemp(prefix="recouvra-walk-")
        cls.addClassCleanup(shutil.rmtree, cls.media, True)
        now = timezone.now()
        with override_settings(MEDIA_ROOT=cls.media):  # files, letters, e-mails made
            build_demo(scale=SCALE)
            for org in Organization.objects.all():  # what the clock does each day
                run_dunning(org.pk, now=now)
                print_letters(org.pk, now=now)
            prepare_due(now)
        cls.below_floor, cls.missing_rate = hard_claims()

    def test_it_keeps_a_claim_below_the_floor_and_one_that_hits_a_missing_rate(self) -> None:
        self.assertTrue(self.below_floor)
        self.assertTrue(self.missing_rate)

    def test_it_answers_every_page_without_a_server_error_for_every_user(self) -> None:
        failures: list[str] = []
        visited: Counter = Counter()
        for spec in DEMO_USERS:
            user = User.objects.get(email=spec["email"])
            for membership in Membership.objects.filter(user=user):
                with self.settings(MEDIA_ROOT=self.media):
                    failures += self.walk(user, membership, visited)
        if failures:
            self.fail(f"{len(failures)} page(s) in error:\n" + "\n".join(failures))
        # the walk did reach the hard claims' pages (a guard on the walk itself)
        self.assertGreater(visited["/creances/#/"], len(self.below_floor))

    def walk(self, user: User, membership: Membership, visited: Counter) -> list[str]:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        session = client.session
        session[SESSION_KEY] = membership.pk
        session.save()
        hard = self.below_floor + self.missing_rate
        queue = deque(["/", *detail_urls(membership, hard)])
        seeds = len(queue)
        seen: set[str] = set()
        kinds: Counter = Counter()
        failures = []
        while queue and len(seen) < PAGES_PER_USER:
            url = queue.popleft()
            seeded = seeds > 0
            seeds -= 1
            if url in seen or (not seeded and kinds[kind_of(url)] >= PAGES_OF_A_KIND):
                continue
            seen.add(url)
            kinds[kind_of(url)] += 1
            visited[kind_of(url)] += 1
            response = client.get(url)
            failure = self.failure(response)
            if failure:
                failures.append(f"{user.email} ({membership.organization}) GET {url}: {failure}")
                continue
            if response.get("Content-Type", "").startswith("text/html"):
                queue.extend(links_of(response.content.decode(), url))
        return failures

    def failure(self, response) -> str:  # noqa: ANN001
        if response.status_code >= 500:
            exc_info = getattr(response, "exc_info", None)
            return f"HTTP {response.status_code} {exc_info[1]!r}" if exc_info else "HTTP 500"
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and TRACEBACK in response.content.decode():
            return "a traceback in the page"
        return ""
