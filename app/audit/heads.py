"""Making checkpoints: automatically at most every ``audit_checkpoint_interval`` seconds (when
the log has grown), and on demand. Each one first catches the stored tree up with the log."""

import logging
import threading
import time
from typing import Any

from app import clock
from app.audit.chain import rfc3339_now
from app.audit.checkpoints import as_dict, parse_timestamp, signed
from app.audit.signing import SigningKeyError, signer
from app.audit.tree import catch_up, root_at
from app.config import Settings
from app.db.models import AuditCheckpoint
from app.db.session import Database
from app.errors import AppError
from app.repositories import audit_tree as repo

log = logging.getLogger("pazhou.audit")


class SigningUnavailable(AppError):
    status, error = 503, "SigningUnavailable"


def checkpoint(db: Database, settings: Settings, force: bool = False) -> dict[str, Any]:
    """The newest checkpoint, signing a new one first when due (or always, if ``force``)."""
    catch_up(db)
    try:
        key = signer(settings)
    except SigningKeyError as exc:
        raise SigningUnavailable(str(exc)) from exc
    with db.transaction() as session:
        repo.lock_tree(session)
        latest = repo.latest_checkpoint(session)
        size = repo.stored_size(session)
        if not force and latest is not None and not _due(latest, size, settings):
            return as_dict(latest)
        now = rfc3339_now()
        values = signed(key, settings.audit_origin, size, root_at(session, size), now)
        repo.remember_key(session, key.key_id, key.public_pem, now)
        return as_dict(repo.add_checkpoint(session, values))


def _due(latest: AuditCheckpoint, size: int, settings: Settings) -> bool:
    # the service clock, like the timestamps it is compared with (tests move it)
    age = (clock.now() - parse_timestamp(latest.timestamp)).total_seconds()
    return size > latest.tree_size and age >= settings.audit_checkpoint_interval


class Checkpointer:
    """Per app: after a response has gone out, sign a checkpoint if one is due.

    Checks the database at most once per interval per process; the transaction's lock and
    the newest checkpoint's age keep several processes from signing more often than that.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.next_check = 0.0
        self.lock = threading.Lock()

    def due(self) -> bool:
        """Cheap, without the database: whether :meth:`maybe` might sign now."""
        return time.monotonic() >= self.next_check

    def maybe(self) -> None:
        now = time.monotonic()
        if now < self.next_check or not self.lock.acquire(blocking=False):
            return
        try:
            self.next_check = now + self.settings.audit_checkpoint_interval
            checkpoint(self.db, self.settings)
        except Exception:  # a checkpoint is retried later; a request never fails for it
            log.exception("could not sign an audit checkpoint")
        finally:
            self.lock.release()
