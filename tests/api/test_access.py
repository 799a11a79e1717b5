"""The door of the API: who may call, what they may do, how refusals read."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings

from recouvra.ledger.models import Creditor

from .base import ApiTestCase


class AuthenticationTests(ApiTestCase):
    def test_no_key_or_a_wrong_key_is_a_401_with_its_challenge(self) -> None:
        for header in ({}, {"HTTP_AUTHORIZATION": "Bearer rcv_0000_nothing"}):
            response = self.api.get("/api/v1/creditors/", **header)
            body = self.assertProblem(response, 401)
            self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="api"')
            self.assertEqual(body["title"], "Authentification requise")

    def test_a_key_with_a_wrong_secret_learns_nothing(self) -> None:
        prefix = self.api_key_row(self.key).prefix
        forged = f"rcv_{prefix}_{'A' * 43}"
        self.assertProblem(self.get("creditors/", key=forged), 401)

    def test_the_session_of_a_signed_in_user_does_not_open_the_api(self) -> None:
        self.api.force_login(self.alice)
        self.assertProblem(self.api.get("/api/v1/creditors/"), 401)

    def test_charlies_key_sees_none_of_alices_rows(self) -> None:
        mine = self.post("creditors/", {"name": "Bâtimat"}).json()["id"]
        listing = self.get("creditors/", key=self.charlie_key).json()["results"]
        self.assertNotIn(mine, [row["id"] for row in listing])
        self.assertProblem(self.get(f"creditors/{mine}/", key=self.charlie_key), 404)
        self.assertProblem(
            self.patch(f"creditors/{mine}/", {"name": "Pris"}, key=self.charlie_key), 404
        )
        self.assertEqual(Creditor.objects.get(pk=mine).name, "Bâtimat")

    def test_a_mandant_key_sees_only_its_creditor(self) -> None:
        other = Creditor.objects.create(organization=self.alpha, name="Autre mandant")
        key = self.key_with(["read"], name="Mandant", mandant=self.creditor)
        ids = [row["id"] for row in self.get("creditors/", key=key).json()["results"]]
        self.assertEqual(ids, [self.creditor.pk])
        self.assertProblem(self.get(f"creditors/{other.pk}/", key=key), 404)


class ScopeTests(ApiTestCase):
    def test_a_read_key_cannot_write(self) -> None:
        key = self.key_with(["read"], name="Lecture")
        self.assertEqual(self.get("creditors/", key=key).status_code, 200)
        body = self.assertProblem(self.post("creditors/", {"name": "X"}, key=key), 403)
        self.assertIn("write", body["detail"])
        self.assertFalse(Creditor.objects.filter(name="X").exists())

    def test_a_write_only_key_cannot_read(self) -> None:
        key = self.key_with(["write"], name="Écriture")
        self.assertProblem(self.get("creditors/", key=key), 403)
        self.assertEqual(self.post("creditors/", {"name": "X"}, key=key).status_code, 201)


class ProblemTests(ApiTestCase):
    def test_unknown_fields_and_wrong_types_are_named(self) -> None:
        body = self.assertProblem(
            self.post("creditors/", {"name": "X", "colour": "red", "is_mandant": "maybe"}), 400
        )
        fields = {error["field"]: error for error in body["errors"]}
        self.assertEqual(fields["colour"]["message"], "Champ inconnu.")
        self.assertEqual(fields["colour"]["pointer"], "/colour")
        self.assertEqual(Creditor.objects.filter(name="X").count(), 0)

    def test_an_id_filter_past_64_bits_or_with_decimals_is_a_400_naming_it(self) -> None:
        for value in ("-1.2693825857447258e%2B145", "99999999999999999999", "1.5"):
            for path in ("payments/", "claims/", "cases/", "match-proposals/"):
                self.assertProblem(self.get(f"{path}?debtor={value}"), 400, "debtor")

    def test_a_body_that_is_not_json_is_a_400(self) -> None:
        response = self.call("POST", "creditors/", "{not json", content_type="application/json")
        self.assertProblem(response, 400)

    def test_errors_speak_english_when_asked(self) -> None:
        response = self.api.get("/api/v1/creditors/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        body = self.assertProblem(response, 401)
        self.assertEqual(body["title"], "Authentication required")
        self.assertEqual(response["Content-Language"], "en")

    def test_errors_speak_french_by_default_and_for_unknown_languages(self) -> None:
        response = self.api.get("/api/v1/creditors/", HTTP_ACCEPT_LANGUAGE="de-DE")
        self.assertEqual(self.assertProblem(response, 401)["title"], "Authentification requise")

    def test_an_unknown_address_is_a_problem_too(self) -> None:
        self.assertProblem(self.get("no-such-thing/"), 404)

    @override_settings(API_MAX_BODY_BYTES=1000)
    def test_a_body_over_the_limit_is_refused_before_it_is_read(self) -> None:
        response = self.post("creditors/", {"name": "X" * 2000})
        self.assertProblem(response, 413)
        self.assertFalse(Creditor.objects.filter(name__startswith="XX").exists())

    def test_the_default_limit_is_10_mb(self) -> None:
        response = self.post("creditors/", {"name": "X" * (10 * 1024 * 1024)})
        self.assertProblem(response, 413)


class ThrottleTests(ApiTestCase):
    @override_settings(API_THROTTLE_RATE="3/min")
    def test_a_key_over_its_rate_gets_429_with_retry_after(self) -> None:
        cache.clear()
        for _ in range(3):
            self.assertEqual(self.get("creditors/").status_code, 200)
        response = self.get("creditors/")
        self.assertProblem(response, 429)
        self.assertGreater(int(response["Retry-After"]), 0)
        # another key has its own allowance
        self.assertEqual(self.get("creditors/", key=self.charlie_key).status_code, 200)


class IdempotencyTests(ApiTestCase):
    def test_the_same_key_and_body_replay_the_first_answer(self) -> None:
        headers = {"Idempotency-Key": "nightly-2026-12-07"}
        first = self.post("creditors/", {"name": "Bâtimat"}, headers=headers)
        again = self.post("creditors/", {"name": "Bâtimat"}, headers=headers)
        self.assertEqual(first.status_code, 201)
        self.assertEqual((again.status_code, again.content), (201, first.content))
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(Creditor.objects.filter(name="Bâtimat").count(), 1)

    def test_the_same_key_with_another_body_is_a_422(self) -> None:
        headers = {"Idempotency-Key": "k1"}
        self.post("creditors/", {"name": "Bâtimat"}, headers=headers)
        self.assertProblem(self.post("creditors/", {"name": "Autre"}, headers=headers), 422)
        self.assertFalse(Creditor.objects.filter(name="Autre").exists())

    def test_a_refusal_is_replayed_too_and_keys_are_per_api_key(self) -> None:
        headers = {"Idempotency-Key": "k2"}
        self.assertProblem(self.post("creditors/", {"bogus": 1}, headers=headers), 400)
        self.assertProblem(self.post("creditors/", {"bogus": 1}, headers=headers), 400)
        # charlie's key may use the same idempotency key: it is his own
        response = self.post(
            "creditors/", {"name": "De Beta"}, headers=headers, key=self.charlie_key
        )
        self.assertEqual(response.status_code, 201)

    def test_without_the_header_each_post_acts(self) -> None:
        self.post("creditors/", {"name": "Bâtimat"})
        self.post("creditors/", {"name": "Bâtimat"})
        self.assertEqual(Creditor.objects.filter(name="Bâtimat").count(), 2)
