"""The checkpointer: extends a service's audit tree and signs checkpoints of it.

It runs in the service process beside the outbox relay (woken after each
commit, and by a timer), or as a process of its own
(``python -m lienthong.audit.checkpointer --help``). Each pass:

1. reads the notification log past the last leaf, computes each event's leaf
   hash from its stored bytes (:mod:`lienthong.audit.leaves`) and appends the
   leaves a batch per transaction (:class:`~lienthong.audit.ledger.Ledger`);
2. when ``every_events`` leaves are new since the last checkpoint, or
   ``every_s`` seconds have passed with new leaves, signs the root of the
   stored tree and stores the checkpoint (first stored wins among replicas);
3. publishes the checkpoints the NATS stream ``LIENTHONG_CHECKPOINTS`` does
   not hold yet, on ``lienthong.checkpoints.<service>``, ``Nats-Msg-Id`` =
   ``<service>/<tree size>``.

**Crash safety.** It keeps no state that matters: at start (and after a
conflict with another replica) it rebuilds its view of the tree from the
stored leaves, so the roots it signs are always those of the stored leaves.

**It signs only a tree it can tie to what it signed before.** The leaf table
is in the database, so whoever can write there can change an event *and* its
leaf. Each time it (re)loads the stored tree it checks that the stored leaves
hash, at each size, to the root of (a) the latest checkpoint stored in the
database (cheap, and only as good as the database) and (b) the latest
checkpoint published on ``LIENTHONG_CHECKPOINTS`` (outside the database; its
signature is checked with the checkpointer's own key and origin), or the
latest one this process published itself. A stored tree smaller than such a
checkpoint, or with another root at its size, is never signed: it logs the
error ``audit_tree_diverged`` and keeps retrying until someone restores the
log. When publishing is configured it signs nothing after a start until the
published check has passed once (while NATS is down after that, it goes on
signing locally, checked against the last checkpoint it saw published).
Without ``LIENTHONG_NATS_URL`` nothing outside the database is there to check
against; it says so at start.
A batch of leaves is one transaction; a crash leaves whole batches only.
Checkpoints are published from the table, so one stored but not yet
published is published by the next pass.

**Holes** in notification ids are handled as the relay does: when the next
id is missing but later ones exist, it waits up to ``gap_timeout_s`` from
the moment it first saw the hole (or not at all when the next event was
recorded more than ``gap_settled_after_s`` ago), then moves past it. An event
that commits into a hole the tree has already passed is outside the tree for
ever, and ``lienthong audit verify`` reports it as inserted; with
eventsourcing's default PostgreSQL insert (``LOCK TABLE``) holes come only
from rolled-back transactions and never fill.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import pkgutil
import time
from typing import TYPE_CHECKING, Any

import structlog

from lienthong import metrics
from lienthong.audit.checkpoints import (
    Checkpoint,
    load_private_key,
    origin_of,
    parse_checkpoint,
    sign_checkpoint,
)
from lienthong.audit.leaves import notification_leaf_hash
from lienthong.audit.ledger import Ledger, LedgerConflict
from lienthong.audit.merkle import Frontier
from lienthong.events.jetstream import CHECKPOINT_STREAM, checkpoint_stream_config

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from eventsourcing.persistence import Notification
    from nats.aio.client import Client
    from nats.js.client import JetStreamContext

    from lienthong.signing import KeySigner
    from lienthong.tls import TLSFiles

log = structlog.get_logger("lienthong.audit.checkpointer")

TREE_SIZE_HEADER = "Lienthong-Tree-Size"
#: Conflicts with other replicas in a row before a pass gives up (and retries later).
MAX_CONFLICTS = 5


def checkpoint_subject(service: str) -> str:
    return f"lienthong.checkpoints.{service}"


class TreeDiverged(RuntimeError):
    """The stored tree is not the tree a checkpoint signed: it must not be signed again."""


class Checkpointer:
    """Keeps one application's audit tree up to date, signed, and published."""

    def __init__(self, app: Any, *, service: str, signing_key: Ed25519PrivateKey | KeySigner,
                 nats_url: str = "", every_events: int = 1000, every_s: float = 60.0,
                 batch_size: int = 2000, gap_timeout_s: float = 5.0,
                 gap_settled_after_s: float = 60.0, poll_interval_s: float = 1.0,
                 min_interval_s: float = 0.2, replicas: int | None = None,
                 ledger: Ledger | None = None, check_timeout_s: float = 5.0,
                 nats_tls: TLSFiles | None = None) -> None:
        if every_events < 1 or batch_size < 1:
            msg = "every_events and batch_size must be at least 1"
            raise ValueError(msg)
        self.app = app
        self.service = service
        self.origin = origin_of(service)
        self.signing_key = signing_key
        self.nats_url = nats_url
        self.nats_tls = nats_tls  #: mutual TLS to NATS (None: plaintext)
        self.every_events = every_events
        self.every_s = every_s
        self.batch_size = batch_size
        self.gap_timeout_s = gap_timeout_s
        self.gap_settled_after_s = gap_settled_after_s
        self.poll_interval_s = poll_interval_s
        self.min_interval_s = min_interval_s  # between passes: commits wake it in bursts
        self.replicas = replicas
        self.check_timeout_s = check_timeout_s  # to reach NATS for the published check
        self.ledger = ledger or Ledger(app)
        self._frontier: Frontier | None = None
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self._latest: Checkpoint | None = None
        #: The latest checkpoint known from outside the database: read from the stream
        #: (signature checked) or published by this process. Kept in memory only.
        self._anchor: Checkpoint | None = None
        #: The stored tree was checked against the stream once in this process.
        self._outside_checked = False
        self._withheld_logged = False
        self._since = time.monotonic()
        self._published = -1  # the largest tree size known to be on the stream
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._log = log.bind(service=service, origin=self.origin)

    # -- the tree --------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._frontier.size if self._frontier is not None else self.ledger.size()

    def _load(self) -> Frontier:
        """The tree as stored: rebuilt from every stored leaf, and checked against the
        latest stored checkpoint and the latest one known from outside the database
        (:class:`TreeDiverged` when either does not match)."""
        self._frontier = None
        latest = self.ledger.latest_checkpoint()
        against = [(cp, where) for cp, where in ((latest, "database"),
                                                  (self._anchor, "published"))
                   if cp is not None]
        wanted = {cp.tree_size for cp, _ in against}
        seen: dict[int, tuple[bytes, int]] = {}  # size -> (root, last notification id)
        frontier = Frontier()
        last_id = 0
        for notification_id, leaf in self.ledger.iter_leaves():
            frontier.append(leaf)
            last_id = notification_id
            if frontier.size in wanted:
                seen[frontier.size] = (frontier.root(), notification_id)
        for cp, where in against:
            stored_root, stored_last_id = seen.get(cp.tree_size, (b"", 0))
            if stored_root != cp.root_hash or stored_last_id != cp.last_notification_id:
                self._diverged(cp, where, frontier.size, stored_root)
        self._frontier, self._last_id = frontier, last_id
        self._latest = latest
        if self._latest is not None:
            metrics.audit_checkpoint(self.service, self._latest.tree_size, self._latest.timestamp)
        return frontier

    def _diverged(self, cp: Checkpoint, where: str, stored_size: int, stored_root: bytes) -> None:
        self._log.error("audit_tree_diverged", checkpoint=where,
                        checkpoint_tree_size=cp.tree_size,
                        checkpoint_root_hash=cp.root_hash.hex(),
                        checkpoint_last_notification_id=cp.last_notification_id,
                        stored_tree_size=stored_size,
                        stored_root_hash=stored_root.hex() if stored_root else None,
                        detail="the stored events or leaves are not those the checkpoint "
                               "signed (or fewer): nothing is signed until the log is restored; "
                               "run lienthong audit verify with the published checkpoints")
        msg = (f"the stored tree ({stored_size} leaves) does not match the {where} checkpoint "
               f"of tree size {cp.tree_size}")
        raise TreeDiverged(msg)

    def catch_up(self) -> int:
        """Extend the tree to the end of the log (up to a hole that may still fill),
        checkpoint when due; returns how many leaves were appended."""
        frontier = self._frontier or self._load()
        appended, conflicts = 0, 0
        while True:
            # A batch ends where a checkpoint is due: checkpoints every ``every_events``
            # (when one is withheld, until the stream was checked, batches are whole).
            due = self.every_events - (frontier.size - self._checkpointed_size())
            if due <= 0:
                due = self.batch_size
            notifications = self.app.recorder.select_notifications(
                start=self._last_id + 1, limit=max(1, min(self.batch_size, due)))
            batch, blocked = self._leaves(notifications)
            if batch:
                try:
                    self.ledger.append_leaves(frontier.size, batch)
                except LedgerConflict:
                    conflicts += 1
                    if conflicts > MAX_CONFLICTS:
                        raise
                    self._log.info("checkpointer_lost_race", tree_size=frontier.size)
                    frontier = self._load()
                    continue
                frontier.extend(leaf for _, leaf in batch)
                self._last_id = batch[-1][0]
                appended += len(batch)
                if frontier.size - self._checkpointed_size() >= self.every_events:
                    self.checkpoint()
            if blocked or len(notifications) < max(1, min(self.batch_size, due)):
                break
        if (frontier.size > self._checkpointed_size()
                and time.monotonic() - self._since >= self.every_s):
            self.checkpoint()
        return appended

    def _leaves(self, notifications: Sequence[Any]) -> tuple[list[tuple[int, bytes]], bool]:
        batch: list[tuple[int, bytes]] = []
        expected = self._last_id + 1
        for notification in notifications:
            if notification.id < expected:
                continue
            if notification.id > expected and not self._may_pass_hole(expected, notification):
                return batch, True
            self._gaps.pop(expected, None)
            batch.append((notification.id, notification_leaf_hash(notification)))
            expected = notification.id + 1
        return batch, False

    def _may_pass_hole(self, missing: int, following: Any) -> bool:
        now = time.monotonic()
        waited = now - self._gaps.setdefault(missing, now)
        try:
            recorded_at = self.app.mapper.to_domain_event(following).timestamp
            if recorded_at.tzinfo is None:
                recorded_at = recorded_at.replace(tzinfo=dt.UTC)
            age = (dt.datetime.now(dt.UTC) - recorded_at).total_seconds()
        except Exception:  # an unreadable event gives no age: wait the timeout
            age = 0.0
        if waited < self.gap_timeout_s and age < self.gap_settled_after_s:
            return False
        del self._gaps[missing]
        self._log.warning("notification_gap_skipped", missing_from=missing,
                          missing_to=following.id - 1, waited_s=round(waited, 3),
                          next_event_age_s=round(age, 3))
        return True

    def _checkpointed_size(self) -> int:
        return self._latest.tree_size if self._latest is not None else 0

    def checkpoint(self) -> Checkpoint | None:
        """Sign the stored tree as it is now, unless a checkpoint already covers it."""
        frontier = self._frontier or self._load()
        latest = self.ledger.latest_checkpoint()
        if latest is not None and latest.tree_size >= frontier.size:
            self._latest = latest
            return latest
        if frontier.size == 0:
            return None
        if self.nats_url and not self._outside_checked:
            if not self._withheld_logged:
                self._withheld_logged = True
                self._log.warning("checkpoint_withheld", tree_size=frontier.size,
                                  reason="the stored tree has not yet been checked against "
                                         "the checkpoints published on the stream")
            return None
        signed = sign_checkpoint(self.origin, frontier.size, frontier.root(),
                                 dt.datetime.now(dt.UTC), self._last_id, self.signing_key)
        stored = self.ledger.add_checkpoint(signed)
        self._latest = stored
        self._since = time.monotonic()
        metrics.audit_checkpoint(self.service, stored.tree_size, stored.timestamp)
        self._log.info("checkpoint_signed", tree_size=stored.tree_size,
                       last_notification_id=stored.last_notification_id,
                       root_hash=stored.root_hash.hex(), ours=stored == signed)
        return stored

    # -- publishing ------------------------------------------------------------

    async def connect(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            return
        import nats

        from lienthong.events.jetstream import ensure
        from lienthong.natsauth import connect_options

        self._nc = await nats.connect(**connect_options(self.nats_url, self.nats_tls),
                                      name=f"lienthong-checkpointer-{self.service}",
                                      connect_timeout=2, allow_reconnect=True,
                                      max_reconnect_attempts=-1, reconnect_time_wait=0.5)
        self._js = self._nc.jetstream(timeout=10)
        await ensure(self._js, checkpoint_stream_config(replicas=self.replicas))

    async def close(self) -> None:
        from lienthong.natsauth import CLOSE_TIMEOUT_S

        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT_S)

    async def check_published(self) -> Checkpoint | None:
        """Check the stored tree against the latest checkpoint on the stream (re-reads the
        stored tree); :class:`TreeDiverged` when it does not match."""
        # A first connection to an unreachable server is retried for ever: bounded here.
        await asyncio.wait_for(self.connect(), self.check_timeout_s)
        assert self._js is not None
        from nats.js.errors import NotFoundError

        try:
            last = await self._js.get_last_msg(CHECKPOINT_STREAM,
                                               checkpoint_subject(self.service))
        except NotFoundError:
            published = None
        else:
            published = self._published_checkpoint(last.data or b"")
            self._published = max(self._published,
                                  int((last.headers or {}).get(TREE_SIZE_HEADER, 0)))
        if published is not None and (self._anchor is None
                                      or published.tree_size >= self._anchor.tree_size):
            self._anchor = published
        await asyncio.to_thread(self._load)
        if not self._outside_checked:
            self._log.info("audit_tree_checked", tree_size=self.size,
                           published_tree_size=self._anchor.tree_size if self._anchor else 0)
        self._outside_checked = True
        self._withheld_logged = False
        return published

    def _published_checkpoint(self, data: bytes) -> Checkpoint:
        """The stream's latest note: a checkpoint of this origin (else :class:`TreeDiverged`).

        Its signature is checked with this checkpointer's key. One signed by another key
        (the last one before a key rotation, or a forgery) is still a root the stored tree
        must match: matching it can only mean the tree is the one it names, so a rotation
        goes on, and a mismatch is refused either way."""
        try:
            cp = parse_checkpoint(data.decode())
        except (ValueError, UnicodeDecodeError) as error:
            problem = f"not a signed checkpoint ({error})"
        else:
            if cp.origin == self.origin:
                if not cp.verify(self.signing_key.public_key()):
                    self._log.warning("published_checkpoint_other_key", tree_size=cp.tree_size,
                                      key_name=cp.key_name,
                                      detail="the latest published checkpoint is not signed "
                                             "by this key (a rotation?); the stored tree must "
                                             "still match its root")
                return cp
            problem = f"of origin {cp.origin!r}"
        self._log.error("audit_tree_diverged", checkpoint="published",
                        detail=f"the latest note on the stream is {problem}: nothing is "
                               "signed until it is explained")
        msg = f"the latest published checkpoint is {problem}"
        raise TreeDiverged(msg)

    async def publish_pending(self) -> int:
        """Publish the stored checkpoints the stream does not hold yet; returns how many."""
        latest = self._latest
        if not self.nats_url or latest is None or latest.tree_size <= self._published:
            return 0
        await self.connect()
        assert self._js is not None
        from nats.js.errors import NotFoundError

        subject = checkpoint_subject(self.service)
        if self._published < 0:
            try:
                last = await self._js.get_last_msg(CHECKPOINT_STREAM, subject)
                self._published = int((last.headers or {}).get(TREE_SIZE_HEADER, 0))
            except NotFoundError:
                self._published = 0
        pending = [cp for cp in await asyncio.to_thread(self.ledger.checkpoints)
                   if cp.tree_size > self._published]
        for cp in pending:
            ack = await self._js.publish(subject, cp.note.encode(), headers={
                "Nats-Msg-Id": f"{self.service}/{cp.tree_size}",
                TREE_SIZE_HEADER: str(cp.tree_size),
                "Content-Type": "text/plain; charset=utf-8"})
            self._published = cp.tree_size
            if self._anchor is None or cp.tree_size > self._anchor.tree_size:
                self._anchor = cp  # what this process put outside the database
            self._log.info("checkpoint_published", tree_size=cp.tree_size, stream_seq=ack.seq,
                           duplicate=ack.duplicate)
        return len(pending)

    # -- running ---------------------------------------------------------------

    def wake(self, _notifications: Sequence[Notification] = ()) -> None:
        """Ask a running checkpointer to look at the log now (thread-safe; a commit's
        notifications, when given, change nothing: the checkpointer reads the log)."""
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake.set)

    async def run_once(self) -> int:
        if self.nats_url and (self._frontier is None or not self._outside_checked):
            try:
                await self.check_published()
            except TreeDiverged:
                raise
            except Exception as error:  # NATS unreachable: checked against what we know
                self._log.warning("checkpointer_cannot_check_published", error=str(error),
                                  error_type=type(error).__name__,
                                  checked_before=self._outside_checked)
                await self.close()
        appended = await asyncio.to_thread(self.catch_up)
        await self.publish_pending()
        return appended

    async def run(self, stop_event: asyncio.Event) -> None:
        """Checkpoint until ``stop_event`` is set; outages are retried with back-off."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._log.info("checkpointer_started", every_events=self.every_events,
                       every_s=self.every_s, publishing=bool(self.nats_url))
        self._warn_unanchored()
        backoff = self.poll_interval_s
        try:
            while not stop_event.is_set():
                try:
                    await self.run_once()
                    backoff = self.poll_interval_s
                except asyncio.CancelledError:
                    raise
                except TreeDiverged as error:  # logged as audit_tree_diverged
                    self._frontier = None
                    self._log.info("checkpointer_retrying", error=str(error),
                                   error_type=type(error).__name__, retry_in_s=backoff)
                    backoff = min(backoff * 2, 60.0)
                except Exception as error:
                    self._frontier = None  # re-read the stored tree
                    self._published = -1
                    await self.close()
                    self._log.warning("checkpointer_retrying", error=str(error),
                                      error_type=type(error).__name__, retry_in_s=backoff)
                    backoff = min(backoff * 2, 10.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), self.min_interval_s)
                await self._sleep(stop_event, backoff)
        finally:
            await self.close()
            self._log.info("checkpointer_stopped")

    def _warn_unanchored(self) -> None:
        if not self.nats_url:
            self._log.warning("checkpointer_unanchored",
                              detail="no LIENTHONG_NATS_URL: checkpoints are not published, and "
                                     "the stored tree is checked only against the database's "
                                     "own checkpoints, which a writer to the database can "
                                     "replace along with the events")

    async def _sleep(self, stop_event: asyncio.Event, seconds: float) -> None:
        assert self._wake is not None
        waits = [asyncio.ensure_future(stop_event.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()
            self._wake.clear()


def signing_key_of(settings: Any) -> Ed25519PrivateKey | KeySigner | None:
    """The checkpoints' signing key: the Ed25519 key of LIENTHONG_AUDIT_SIGNING_KEY's file,
    or the one labelled LIENTHONG_AUDIT_SIGNING_KEY_PKCS11_LABEL in the PKCS#11 token of
    the LIENTHONG_PKCS11_* variables (kept open for the process); None when neither is set."""
    label = settings.audit_signing_key_pkcs11_label
    if label and settings.audit_signing_key:
        msg = ("both LIENTHONG_AUDIT_SIGNING_KEY and LIENTHONG_AUDIT_SIGNING_KEY_PKCS11_LABEL "
               "are set: the checkpoints are signed by one key, set one")
        raise ValueError(msg)
    if not label:
        return load_private_key(settings.audit_signing_key) if settings.audit_signing_key else None
    from lienthong.pkcs11 import Token, TokenConfig

    token = Token(TokenConfig.from_env())
    try:
        signer = token.signer(label)
        if signer.key_algorithm != "ed25519":
            msg = (f"token {token.label!r}: key {label!r} is an {signer.key_algorithm} key; "
                   "checkpoints are signed with Ed25519")
            raise ValueError(msg)
    except BaseException:
        token.close()
        raise
    return signer


def from_settings(app: Any, settings: Any) -> Checkpointer | None:
    """The service's checkpointer, or None when no signing key is configured."""
    signing_key = signing_key_of(settings)
    if signing_key is None:
        return None
    from lienthong.natsauth import service_files

    return Checkpointer(app, service=settings.service, signing_key=signing_key,
                        nats_url=settings.nats_url,
                        every_events=settings.audit_checkpoint_every_events,
                        every_s=settings.audit_checkpoint_every_s,
                        gap_timeout_s=settings.relay_gap_timeout_s,
                        replicas=settings.stream_replicas, nats_tls=service_files(settings))


# -- a process of its own ---------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m lienthong.audit.checkpointer --app M:App --service S``."""
    from lienthong.config import ServiceMismatchError, load_settings
    from lienthong.logging import configure_logging

    parser = argparse.ArgumentParser(prog="python -m lienthong.audit.checkpointer",
                                     description="Extend a service's audit tree and sign "
                                                 "checkpoints of it.")
    parser.add_argument("--app", required=True, help="the application class, module:Class")
    parser.add_argument("--service", required=True)
    parser.add_argument("--event-store", help="default: LIENTHONG_EVENT_STORE")
    parser.add_argument("--signing-key", help="default: LIENTHONG_AUDIT_SIGNING_KEY")
    parser.add_argument("--signing-key-pkcs11-label", help="instead of a key file: the key's "
                        "label in the PKCS#11 token of LIENTHONG_PKCS11_MODULE, _TOKEN and "
                        "_PIN_FILE; default: LIENTHONG_AUDIT_SIGNING_KEY_PKCS11_LABEL")
    parser.add_argument("--nats-url", help="default: LIENTHONG_NATS_URL (empty: not published)")
    parser.add_argument("--every-events", type=int, help="default: "
                        "LIENTHONG_AUDIT_CHECKPOINT_EVERY_EVENTS")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)

    try:
        settings = load_settings(args.service)
    except ServiceMismatchError as error:
        parser.error(str(error))
    configure_logging(args.service, level=settings.log_level, fmt=settings.log_format)
    overrides = {k: v for k, v in {
        "audit_signing_key": args.signing_key, "nats_url": args.nats_url,
        "audit_signing_key_pkcs11_label": args.signing_key_pkcs11_label,
        "audit_checkpoint_every_events": args.every_events}.items() if v is not None}
    if (args.signing_key is None) != (args.signing_key_pkcs11_label is None):
        # The key named on the command line is the one: the environment's other one is not.
        overrides["audit_signing_key" if args.signing_key is None
                  else "audit_signing_key_pkcs11_label"] = ""
    settings = settings.model_copy(update=overrides)
    if not settings.audit_signing_key and not settings.audit_signing_key_pkcs11_label:
        parser.error("no signing key: --signing-key or LIENTHONG_AUDIT_SIGNING_KEY, or "
                     "--signing-key-pkcs11-label or LIENTHONG_AUDIT_SIGNING_KEY_PKCS11_LABEL")
    app = pkgutil.resolve_name(args.app)(args.event_store or settings.event_store,
                                         env={"CREATE_TABLE": "n"})
    checkpointer = from_settings(app, settings)
    assert checkpointer is not None
    checkpointer.batch_size = args.batch_size
    try:
        asyncio.run(_serve(checkpointer, once=args.once))
    finally:
        app.close()


async def _serve(checkpointer: Checkpointer, *, once: bool) -> None:
    if once:
        checkpointer._warn_unanchored()
        try:
            await checkpointer.run_once()
            checkpointer.checkpoint()
            await checkpointer.publish_pending()
        finally:
            await checkpointer.close()
        return
    from lienthong import heap
    from lienthong.signals import stop_on_signal

    heap.settle()  # what the process started with is kept to its end
    with stop_on_signal() as stop:
        await checkpointer.run(stop)


if __name__ == "__main__":
    main()
