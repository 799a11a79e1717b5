"""Deciding each line's match: here, or in a forked process while this one stores.

On a long statement, matching and storing each take about half of the run. When the
machine has a second processor, the engine runs in a child process forked once the
matcher is built (it shares its memory, and never touches the database) and sends its
decisions in chunks through a pipe, while this process stores the previous chunk.
Decisions are the same either way: the child takes the lines in order and settles the
sure matches as it goes, as the engine does here.

Before that, while this process loads the claims, another child reads whom each payer's
name resembles (payers_aside): a fifth of the engine's work, which needs the debtors'
names only.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from django.conf import settings

from recouvra.core.bulk import Json

from .matching import AUTOMATIC, Candidate, Line, Matcher, payers_of, payment_events
from .remittance import NameIndex

CHUNK = 2_000  # decisions stored at a time
ALTERNATIVES = 2  # candidates kept beside the best one, for the agent


class Decision(NamedTuple):
    """A line's best candidate, in plain values: cheap to send through a pipe."""

    position: int  # of the line in Job.lines
    debtor_id: int | None
    claim_ids: tuple[int, ...]  # oldest first
    score: int
    reasons: Json  # the reasons, as MatchProposal.reasons stores them
    sure: bool  # applied at once; then split is the engine's split of the payment
    # what each claim owed, the law's split (claim id, fees, interest, principal), credit
    split: tuple[dict[int, int], list[tuple[int, int, int, int]], int] | None
    events: list[tuple[int, str]]  # when split: the timeline entries of the payment
    alternatives: Json  # the next best candidates (ALTERNATIVES at most), as stored

    @classmethod
    def of(
        cls,
        index: int,
        line: Line,
        candidate: Candidate,
        sure: bool,
        others: Sequence[Candidate] = (),
    ) -> Decision:
        split, events = None, []
        if candidate.split is not None:
            owed, shares, credit = candidate.split
            parts = [(i, s.to_fees, s.to_interest, s.to_principal) for i, s in shares]
            split = (owed, parts, credit)
            by_id = {claim.id: claim for claim in candidate.claims}
            paid = [(by_id[claim_id], share) for claim_id, share in shares]
            events = payment_events(line, paid, credit, AUTOMATIC)
        claim_ids = tuple(c.id for c in candidate.claims)
        score, reasons = candidate.score, Json(json.dumps(candidate.reasons))
        debtor_id = candidate.debtor_id
        alternatives = Json(json.dumps([_alternative(other) for other in others]))
        return cls(index, debtor_id, claim_ids, score, reasons, sure, split, events, alternatives)


def _alternative(candidate: Candidate) -> dict[str, Any]:
    return {
        "debtor_id": candidate.debtor_id,
        "claim_ids": [c.id for c in candidate.claims],
        "score": candidate.score,
        "reasons": candidate.reasons,
    }


@dataclass
class Job:
    """The lines to decide, in booking order, and what the engine needs to decide them."""

    matcher: Matcher
    lines: Sequence[Line]
    excluded: dict[int, Collection[frozenset[int]]]  # line id → claim sets rejected for it
    threshold: int  # a candidate scoring this much is applied at once


def decisions(job: Job) -> Iterator[list[Decision]]:
    """The best candidate of each line that has one, in chunks, in the order of the lines."""
    if _can_fork(len(job.lines)):
        yield from _from_child(job)
    else:
        yield from _decide(job)


def _decide(job: Job) -> Iterator[list[Decision]]:
    chunk: list[Decision] = []
    for n, line in enumerate(job.lines):
        ranked = job.matcher.candidates(line, job.excluded.get(line.pk, ()))
        if not ranked:
            continue
        candidate = ranked[0]
        sure = candidate.score >= job.threshold
        if sure:  # its claims' balances drop for the next lines
            job.matcher.settle(line, candidate)
        others = () if sure else ranked[1 : 1 + ALTERNATIVES]
        chunk.append(Decision.of(n, line, candidate, sure, others))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _can_fork(count: int) -> bool:
    """A long statement, a second processor, and no other thread whose locks a fork
    would copy half-taken (a threaded web server decides here instead)."""
    return (
        count >= settings.RECONCILE_PARALLEL_MIN_LINES
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


@contextmanager
def payers_aside(
    names: NameIndex, lines: Sequence[Line]
) -> Iterator[Callable[[], Sequence[list[tuple[int, float, bool]]] | None]]:
    """Whom each line's payer resembles (matching.payers_of), read in a child process while
    this one loads the claims; yields a function that waits for them. Without a second
    processor, it returns None: the engine reads each name when it needs it."""
    if not _can_fork(len(lines)):
        yield lambda: None
        return
    with _forked(_send_payers, names, lines) as receiver:
        yield lambda: _receive(receiver)


def _send_payers(sender: Connection, names: NameIndex, lines: Sequence[Line]) -> None:
    sender.send(payers_of(names, lines))
    sender.close()


def _from_child(job: Job) -> Iterator[list[Decision]]:
    with _forked(_send, job) as receiver:
        while (chunk := _receive(receiver)) is not None:
            yield chunk


@contextmanager
def _forked(target: Callable[..., None], *args: Any) -> Iterator[Connection]:
    """A child process forked to run target(sender, *args): yields the receiving end of
    the pipe it sends through. The child is stopped if this process fails meanwhile."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(sender, *args), daemon=True)
    child.start()
    sender.close()
    try:
        yield receiver
        child.join()
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
            child.join()


def _receive(receiver: Connection) -> Any:
    try:
        return receiver.recv()
    except EOFError:
        raise RuntimeError("Le processus de lettrage s'est arrêté avant la fin.") from None


def _send(sender: Connection, job: Job) -> None:
    """In the child: decide, send each chunk, then None. No database here."""
    for chunk in _decide(job):
        sender.send(chunk)
    sender.send(None)
    sender.close()
