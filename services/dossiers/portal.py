"""Synchronisation with the National Public Service Portal: each status change, once.

An outbound adapter. It follows the dossiers service's own stream
(``LIENTHONG_DOSSIERS``, dossier events only) with the platform's
:class:`~lienthong.events.consumer.ConsumerRunner` (durable ``portal-sync``)
and POSTs the dossier as the portal shows it to ``LIENTHONG_PORTAL_URL``
(JSON, ``Authorization: Bearer <LIENTHONG_PORTAL_TOKEN>`` when set). An
empty URL turns the synchronisation off.

Exactly once in effect, in order
    The runner hands over one message at a time, in stream order, so the
    changes of a dossier reach the portal in the order they happened. A
    change that was sent is recorded as a tracking record (upstream
    ``dossiers``, the event's notification id) of a small application of its
    own, :class:`PortalSyncApplication` (its own SQLite file or PostgreSQL
    schema, see :func:`tracking_store`), and is not sent again. A crash
    between the portal's answer and that record sends the change a second
    time with the same ``Idempotency-Key: <ce-id>``; the portal answers it
    as done (2xx), or 409 "already received", which counts as done too.

What the portal sees
    ``dossier_code``, ``procedure_code``, ``sector``, ``applicant`` (name and
    personal identification number), ``received_at``, ``due_date`` (the
    appointment date), ``status`` (1-10), ``submitted_documents``,
    ``result_documents``, and, so that it can order what it receives,
    ``version`` (the dossier's version after the change: a higher one
    supersedes a lower one), ``status_time`` and ``event_id``/``event_type``.

    The adapter reads the dossier **from the dossiers application, as it was
    right after the event** (``repository.get(id, version=ce-originatorversion)``),
    rather than carrying the portal's view in every published event:
    the event store is the source of truth and a version read is exact, so a
    change sent late (after an outage, or replayed from the dead letters) still
    carries the dossier as of that change, never a later state; the published
    contract stays a list of facts that other consumers need, instead of the
    portal's format (and the applicant's personal number) repeated in every
    event; and the portal's format can change without a contract version. The
    price: the adapter runs where the dossiers event store is (in the dossiers
    process, :mod:`.server`), which is where an adapter of this service belongs.

    The applicant is stored sealed with their own key; the adapter opens it through the
    application (:meth:`~.personal_data.PersonalDataCommands.applicant_of`), in this
    process. An adapter elsewhere would call ``DossierService.GetDossier``, as the access
    policy allows it: the bus carries the applicant only sealed. A change of a dossier
    whose applicant was erased is sent with ``"applicant": {"full_name": "",
    "personal_identification_number": "", "erased": true}``.

Which events are sent (:data:`SYNCED_EVENTS`)
    Every event that sets the dossier's status (the portal keeps a status
    history, so a transfer while processing is sent although the code stays 4),
    and ``Extended`` (a new appointment date). Pauses, resumptions and moves on
    a reorganisation change nothing the portal shows; their position is
    recorded without a request. Procedure events are not read at all.

Failures (how the runner treats them)
    The runner retries an outage of the event store for ever, and anything
    else with back-off until ``max_deliveries_for(error)`` deliveries, then
    dead-letters it. This runner gives the two kinds of portal failure their
    own budgets:

    * :class:`PortalUnavailableError` (connection refused or reset, timeout,
      5xx, 408, 425, 429, 401, 403, a redirect): the portal being down or
      refusing *us* (a wrong token) is not the change's fault; the consumer
      retries with back-off (up to 3 minutes between tries) for
      ``outage_max_deliver`` = 20 deliveries, about 45 minutes, and catches up
      when the portal is back; a longer outage dead-letters the change in hand
      (``lienthong events dlq replay --all --consumer portal-sync`` once the
      portal is back).
    * :class:`PortalRejectedError` (any other 4xx: the portal refuses *this*
      change) is dead-lettered after ``max_deliver`` = 3 deliveries (about 3 s
      with back-off 1, 2 s), with reason ``MAX_DELIVER_EXCEEDED`` and the
      portal's status and answer as the error. Fix the data or the portal, then
      ``lienthong events dlq replay --all --consumer portal-sync``. Later
      changes of the same dossier reach the portal before the replayed one:
      the portal must keep the highest ``version`` it has seen.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import structlog

from lienthong.events.consumer import ConsumedEvent, ConsumerRunner, Handlers, TrackingApplication
from lienthong.events.envelope import event_type

from .domain.numbering import PROVISIONAL_PREFIX

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Mapping, Sequence

    from eventsourcing.application import ProcessingEvent

    from .domain.dossier import Dossier
    from .personal_data import ApplicantView

log = structlog.get_logger("lienthong.dossiers.portal")

URL_ENV = "LIENTHONG_PORTAL_URL"
TOKEN_ENV = "LIENTHONG_PORTAL_TOKEN"
EVENT_STORE_ENV = "LIENTHONG_PORTAL_EVENT_STORE"
DURABLE = "portal-sync"
STREAM = "LIENTHONG_DOSSIERS"
#: Only dossier events: procedures are not the portal's business here.
FILTER_SUBJECT = "lienthong.dossiers.dossier.>"
#: The PostgreSQL schema of the tracking records (next to the service's own).
SCHEMA = "dossiers_portal"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
#: Dossier events sent to the portal (by EventName).
SYNCED_EVENTS = ("DossierSubmitted", "DossierReceived", "DossierRefusedToReceive",
                 "DossierAssigned", "DossierSupplementRequested", "DossierSupplemented",
                 "DossierFinancialObligationRequired", "DossierFinancialObligationFulfilled",
                 "DossierTransferred", "DossierExtended", "DossierApproved", "DossierRejected",
                 "DossierResultReturned", "DossierWithdrawn", "DossierStopped")
#: Answers that mean "not now" rather than "not this change".
RETRYABLE_STATUS = frozenset({401, 403, 408, 425, 429})
#: A rejected change is dead-lettered on its 3rd failure; outages are retried for ever.
MAX_DELIVER = 3
#: Deliveries while the portal is down: with BACKOFF_S, about 45 minutes.
OUTAGE_MAX_DELIVER = 20
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 180.0)
MAX_ERROR_BODY = 300


class PortalUnavailableError(Exception):
    """The portal cannot take changes now (down, overloaded, or refusing our credentials).

    Retried with back-off for ``outage_max_deliver`` deliveries (about three
    quarters of an hour with the default back-off), then dead-lettered; a
    change refused for itself (:class:`PortalRejectedError`) gets
    ``max_deliver``.
    """


class PortalRejectedError(Exception):
    """The portal refused this change (a 4xx other than 408/409/425/429/401/403)."""

    def __init__(self, status_code: int, body: str, dossier_code: str) -> None:
        self.status_code = status_code
        self.body = body
        self.dossier_code = dossier_code
        super().__init__(f"the portal answered {status_code} for dossier {dossier_code}: {body}")


@dataclass(frozen=True)
class PortalConfig:
    """Where and how to reach the portal."""

    url: str
    token: str = ""
    #: The store of the tracking records; empty: derived from the service's own.
    event_store: str = ""
    connect_timeout_s: float = 3.0
    timeout_s: float = 10.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PortalConfig | None:
        """From ``LIENTHONG_PORTAL_*``; None when ``LIENTHONG_PORTAL_URL`` is empty (sync off)."""
        env = os.environ if environ is None else environ
        url = env.get(URL_ENV, "").strip()
        if not url:
            return None
        if urlsplit(url).scheme not in ("http", "https"):
            msg = f"{URL_ENV} must be an http(s) URL, not {url!r}"
            raise ValueError(msg)
        return cls(url=url, token=env.get(TOKEN_ENV, "").strip(),
                   event_store=env.get(EVENT_STORE_ENV, "").strip())


class PortalClient:
    """POSTs changes to the portal; sorts its answers into done, retry and rejected."""

    def __init__(self, config: PortalConfig, *,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = config.url
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "lienthong-dossiers-portal-sync"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self._client = httpx.Client(
            headers=headers, transport=transport, follow_redirects=False,
            timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s))

    def close(self) -> None:
        self._client.close()

    def send(self, idempotency_key: str, change: dict[str, Any]) -> int:
        """Send one change; the HTTP status when the portal has it (2xx, or 409)."""
        body = json.dumps(change, ensure_ascii=False, separators=(",", ":")).encode()
        started = time.monotonic()
        try:
            response = self._client.post(self.url, content=body,
                                          headers={IDEMPOTENCY_KEY_HEADER: idempotency_key})
        except httpx.TransportError as error:  # refused, reset, timed out...
            msg = f"the portal at {self.url} is unreachable: {type(error).__name__}: {error}"
            raise PortalUnavailableError(msg) from error
        status = response.status_code
        elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        if 200 <= status < 300 or status == 409:  # 409: "already received", done too
            log.info("portal_sent", idempotency_key=idempotency_key, http_status=status,
                     dossier_code=change.get("dossier_code"), status=change.get("status"),
                     elapsed_ms=elapsed_ms)
            return status
        text = " ".join(response.text.split())[:MAX_ERROR_BODY]
        if 400 <= status < 500 and status not in RETRYABLE_STATUS:
            raise PortalRejectedError(status, text, str(change.get("dossier_code", "")))
        msg = f"the portal answered {status}: {text}"
        raise PortalUnavailableError(msg)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def portal_view(dossier: Dossier, event: ConsumedEvent,
                applicant: ApplicantView) -> dict[str, Any]:
    """The dossier as the portal shows it, right after ``event``, with its applicant opened."""
    shown: dict[str, Any] = {
        "full_name": applicant.full_name,
        "personal_identification_number": applicant.personal_identification_number}
    if applicant.erased:
        shown["erased"] = True
    return {
        "dossier_code": dossier.dossier_code,
        "procedure_code": dossier.procedure_code,
        "procedure_version": dossier.procedure_version,
        "sector": dossier.sector,
        "applicant": shown,
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "due_date": _iso(dossier.due_date),
        "status": int(dossier.status),
        "status_time": event.time,
        "submitted_documents": list(dossier.submitted_documents),
        "result_documents": list(dossier.result_documents),
        "version": int(dossier.version),
        "event_id": event.id,
        "event_type": event.type.rsplit(".", 1)[-1],
    }


class PortalSyncApplication(TrackingApplication):
    """Holds the tracking records of the changes sent; reads dossiers from ``dossiers``."""

    service_name = SCHEMA

    def __init__(self, event_store: str, *, read_dossier: Callable[[uuid.UUID, int], Dossier],
                 open_applicant: Callable[[Dossier], ApplicantView],
                 client: PortalClient, **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        self.read_dossier = read_dossier
        self.open_applicant = open_applicant
        self.client = client


handlers = Handlers()


def send_change(app: PortalSyncApplication, event: ConsumedEvent,
                processing: ProcessingEvent[uuid.UUID]) -> None:
    """One status change to the portal; the runner records it as sent with its position."""
    try:
        dossier_id = uuid.UUID(event.subject)
        version = int(event.headers["ce-originatorversion"])
    except (KeyError, ValueError) as error:
        msg = f"{event.id}: no dossier id or version to read the dossier at ({error})"
        raise ValueError(msg) from error
    dossier = app.read_dossier(dossier_id, version)
    if dossier.dossier_code.startswith(PROVISIONAL_PREFIX):
        # Numbered from a provisional agency code (a demonstration): the national
        # portal never receives it, so a demo never passes for a real dossier there.
        log.info("portal_skipped_provisional", dossier_code=dossier.dossier_code,
                 event_id=event.id)
        return
    app.client.send(event.id, portal_view(dossier, event, app.open_applicant(dossier)))


for _name in SYNCED_EVENTS:
    handlers.on(event_type("dossiers", _name))(send_change)


def tracking_store(event_store: str, schema: str = SCHEMA) -> str:
    """Where the tracking records go, next to the dossiers event store.

    SQLite: a sibling file (``dossiers.db`` -> ``dossiers-portal-sync.db``);
    PostgreSQL: the same database, schema ``schema`` (eventsourcing's
    table names are fixed, so the two applications cannot share a schema).
    """
    parts = urlsplit(event_store)
    if parts.scheme == "sqlite":
        folder, slash, name = event_store.partition("?")[0].rpartition("/")
        if not name or name == ":memory:" or not folder.startswith("sqlite:"):
            msg = ("portal sync needs the dossiers event store in a SQLite file or "
                   f"PostgreSQL, or {EVENT_STORE_ENV}")
            raise ValueError(msg)
        stem, dot, suffix = name.rpartition(".")
        renamed = f"{stem}-portal-sync.{suffix}" if dot and stem else f"{name}-portal-sync"
        return f"{folder}{slash}{renamed}"
    if parts.scheme in ("postgresql", "postgres"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
        query.append(("schema", schema))
        return urlunsplit(parts._replace(query=urlencode(query)))
    msg = (f"portal sync keeps its tracking records in SQLite or PostgreSQL; set "
           f"{EVENT_STORE_ENV} (the dossiers store is {parts.scheme or event_store!r})")
    raise ValueError(msg)


class PortalSyncRunner(ConsumerRunner):
    """The runner of the portal sync; closes its application and HTTP client when it stops."""

    app: PortalSyncApplication
    outage_max_deliver: int = OUTAGE_MAX_DELIVER

    def max_deliveries_for(self, error: Exception) -> int:
        """An outage is waited out much longer than a refusal of one change."""
        if isinstance(error, PortalUnavailableError):
            return self.outage_max_deliver
        return self.max_deliver

    async def run(self, stop_event: asyncio.Event) -> None:
        try:
            await super().run(stop_event)
        finally:
            self.app.client.close()
            self.app.close()


def portal_sync_runner(dossiers: Any, *, nats_url: str, config: PortalConfig,
                       dossiers_event_store: str = "", schema: str = SCHEMA,
                       max_deliver: int = MAX_DELIVER,
                       outage_max_deliver: int = OUTAGE_MAX_DELIVER,
                       backoff_s: Sequence[float] = BACKOFF_S,
                       transport: httpx.BaseTransport | None = None,
                       **runner_options: Any) -> PortalSyncRunner:
    """The consumer runner sending the dossiers of ``dossiers`` (the service's
    application, in this process) to the portal."""
    store = config.event_store or tracking_store(dossiers_event_store, schema)

    def read_dossier(dossier_id: uuid.UUID, version: int) -> Dossier:
        return dossiers.repository.get(dossier_id, version=version)

    app = PortalSyncApplication(store, read_dossier=read_dossier,
                                open_applicant=dossiers.applicant_of,
                                client=PortalClient(config, transport=transport), pool_size=2)
    log.info("portal_sync_configured", url=config.url, bearer_token=bool(config.token),
             tracking_store=store.split("@")[-1])
    runner = PortalSyncRunner(app, nats_url=nats_url, stream=STREAM, durable=DURABLE,
                              handlers=handlers, filter_subject=FILTER_SUBJECT,
                              max_deliver=max_deliver, backoff_s=backoff_s, **runner_options)
    runner.outage_max_deliver = outage_max_deliver
    return runner
