"""Group commit for the audit chain: staged events are sealed into it in batches.

An action stages its event (``app.repositories.audit.stage``) in its own transaction, without
the chain lock, and commits; on PostgreSQL that commit does not wait for the disk, the seal's
does, for both (``app.repositories.audit_seal_pg``): one flush per batch, not one per action
plus one per batch. It then waits here until the event is chained. Whoever arrives while no
seal runs in this process leads one: it takes every staged row, from every process, and chains
them in one transaction under the chain lock; the others wait for it. A row that another
process's seal took is found through ``audit_events.pending_id``; a seal that finds another
process's seal running waits for it, then chains what is still staged.

Correctness never depends on this process's memory: a staged row stays in the database until a
seal commits, which any process may run (at start-up, in the job worker's idle loop, before
every read of the log). The in-memory part only tells waiters where their rows landed.

The one exception is an event with nothing to commit beside it (a successful read): staging it
would cost a round trip and a row to delete, and nothing is lost if it never reaches the disk,
since its response has not left. Such an event is handed to this process's next seal in memory
(``seal_alone``), which chains it after the staged rows it takes; if that seal fails, the event
is gone and its request answers ``AuditUnavailable``.
"""

import contextlib
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from app.db.session import Database
from app.errors import AppError
from app.repositories import audit_seal as repo
from app.repositories.audit_seal import Sealed

log = logging.getLogger("pazhou.audit")
BATCH = 5000
GATHER_SECONDS = 0.002  # at most this long a seal waits for events being committed
UNAVAILABLE_DETAIL = "the access log cannot be written right now; nothing was done or released"


class AuditUnavailable(AppError):
    """The event could not be written, so the action it records does not happen (fail closed)."""

    status, error = 503, "AuditUnavailable"


class Sealer:
    """The leader/follower state of one engine in this process."""

    def __init__(self) -> None:
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # a seal ended
        self._quiet = threading.Condition(lock)  # no event is being committed (for the leader)
        self._started = self._finished = self._last_ok = 0
        self._running = False
        self._staging = 0
        self._waiting: set[int] = set()
        self._landed: dict[int, Sealed] = {}
        self._tokens = itertools.count(1)
        self._alone: list[tuple[int, dict[str, Any]]] = []  # for the next seal, by token
        self._landed_alone: dict[int, Sealed] = {}

    def seal(
        self, engine: Engine, pending_id: int | None = None, alone: dict[str, Any] | None = None
    ) -> Sealed | None:
        """Wait until every row committed before this call is chained; where ``pending_id`` is,
        or where the unstaged row ``alone`` (``repo.unstaged_row``) landed.

        Raises ``AuditUnavailable`` if the seal this call needed failed (rows stay staged, the
        unstaged row is gone).
        """
        with self._cond:
            token = None
            if pending_id is not None:
                self._waiting.add(pending_id)
            if alone is not None:
                token = next(self._tokens)
                self._alone.append((token, alone))
            needed = self._started + 1  # a seal already running may have read the rows before
            try:
                while self._finished < needed:
                    if self._running:
                        self._cond.wait()
                    else:
                        self._lead(engine)
                ok = self._last_ok >= needed
            finally:
                landed = self._forget(pending_id, token)
        if landed is None and (pending_id is not None or token is not None or not ok):
            raise AuditUnavailable(UNAVAILABLE_DETAIL)
        return landed

    @contextlib.contextmanager
    def staging(self) -> Iterator[None]:
        """Around writing and committing an event: a seal about to start waits briefly for it."""
        with self._cond:
            self._staging += 1
        try:
            yield
        finally:
            with self._cond:
                self._staging -= 1
                if not self._staging:
                    self._quiet.notify()

    def _forget(self, pending_id: int | None, token: int | None) -> Sealed | None:
        if token is not None:
            return self._landed_alone.pop(token, None)
        if pending_id is None:
            return None
        self._waiting.discard(pending_id)
        return self._landed.pop(pending_id, None)

    def _lead(self, engine: Engine) -> None:
        """Run one seal with the condition released; called and returning with it held."""
        self._running = True
        self._gather()
        self._started += 1  # from here on, new waiters need the next seal
        number, wanted, ok = self._started, set(self._waiting), False
        alone, self._alone = self._alone, []
        self._cond.release()
        try:
            self._seal_everything(engine, wanted, alone)
            ok = True
        except Exception:
            log.exception("could not seal staged audit events; they stay staged")
        finally:
            self._cond.acquire()
            self._running, self._finished = False, number
            self._last_ok = number if ok else self._last_ok
            self._cond.notify_all()

    def _gather(self) -> None:
        """Let events being committed right now join this seal: one flush for more events."""
        deadline = time.monotonic() + GATHER_SECONDS
        while self._staging and (left := deadline - time.monotonic()) > 0:
            self._quiet.wait(left)

    def _seal_everything(
        self, engine: Engine, wanted: set[int], alone: list[tuple[int, dict[str, Any]]]
    ) -> None:
        """Seal batches until staging is empty (the ``alone`` rows in the first); find where
        the ``wanted`` rows landed."""
        full = True
        while full:
            batch = repo.seal_batch(engine, BATCH, wanted, [row for _, row in alone])
            full, landed = batch.full, [*batch.sealed, *batch.found]
            wanted.difference_update(event.pending_id for event in landed)
            with self._cond:  # committed: now the waiters may know
                for event in landed:
                    if event.pending_id in self._waiting:
                        self._landed[event.pending_id] = event
                for (token, _), event in zip(alone, batch.alone, strict=True):
                    self._landed_alone[token] = event
            alone = []


_SEALERS: "weakref.WeakKeyDictionary[Engine, Sealer]" = weakref.WeakKeyDictionary()
_SEALERS_LOCK = threading.Lock()


def _sealer(engine: Engine) -> Sealer:
    found = _SEALERS.get(engine)  # twice per append: no lock once the sealer exists
    if found is not None:
        return found
    with _SEALERS_LOCK:
        found = _SEALERS.get(engine)
        if found is None:
            found = _SEALERS[engine] = Sealer()
        return found


def wait_sealed(engine: Engine, pending_id: int) -> Sealed:
    """Where the committed staged event ``pending_id`` landed in the chain (sealing if needed)."""
    return _found(_sealer(engine).seal(engine, pending_id))


def seal_alone(engine: Engine, new: repo.NewEvent) -> Sealed:
    """Chain an event that has nothing to commit beside it, without staging it: it goes to
    this process's next seal from memory (requests use it on PostgreSQL only: on SQLite their
    own transaction chains their event at once)."""
    return _found(_sealer(engine).seal(engine, alone=repo.unstaged_row(new)))


def _found(landed: Sealed | None) -> Sealed:
    if landed is None:  # seal() raises instead; this keeps the type exact
        raise AuditUnavailable(UNAVAILABLE_DETAIL)
    return landed


def staging(engine: Engine) -> contextlib.AbstractContextManager[None]:
    """Wrap writing an event and committing it, so that a seal starting meanwhile takes it too."""
    return _sealer(engine).staging()


def seal_quietly(engine: Engine) -> None:
    """Chain everything staged so far (before reading the log); a failure is logged only."""
    with contextlib.suppress(AuditUnavailable):  # the seal that failed logged why
        _sealer(engine).seal(engine)


def seal_if_staged(db: Database) -> None:
    """At start-up: chain leftovers of a killed process (the job worker's idle loop seals through
    ``app.audit.tree.catch_up``)."""
    with db.reading() as session:
        waiting = repo.has_staged(session)
    if waiting:
        seal_quietly(db.engine)
