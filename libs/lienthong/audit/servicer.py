"""AuditService: the one implementation every service serves over its own event store.

Read-only by construction: it calls :mod:`lienthong.audit.history` (reads of
the recorder and the repository) and the ledger's read methods, never a
command, a save or an insert. Translation only: protobuf in, plain values
to the history module, protobuf out.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import structlog
from google.protobuf import struct_pb2

from lienthong.audit import history
from lienthong.audit.reads import HistoryRead
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc
from lienthong.errors import (
    DataLoss,
    FailedPrecondition,
    InvalidArgument,
    LienthongError,
    NotFound,
)
from lienthong.grpc.convert import timestamp_from_pb, timestamp_to_pb
from lienthong.grpc.errors import internal_status, status_for
from lienthong.grpc.interceptors import REQUEST_ID_KEY
from lienthong.validation import PageRequest, Violations, parse_uuid

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from lienthong.eventstore import ServiceApplication

log = structlog.get_logger("lienthong.audit")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AuditService"].full_name
METADATA_FIELDS = tuple(pb.EventMetadata.DESCRIPTOR.fields_by_name)


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def event_to_pb(event: history.LoggedEvent) -> pb.AuditEvent:
    return pb.AuditEvent(
        notification_id=event.notification_id, aggregate_id=str(event.aggregate_id),
        aggregate_type=event.aggregate_type, version=event.version,
        event_type=event.event_type, topic=event.topic,
        recorded_time=timestamp_to_pb(event.recorded_at),
        metadata=pb.EventMetadata(**{k: event.metadata.get(k, "") for k in METADATA_FIELDS}),
        payload=struct(event.payload), stored_state=event.stored_state)


def export_range(request: pb.ExportEventsRequest) -> history.ExportRange:
    wanted = history.ExportRange(
        start_notification_id=request.start_notification_id,
        end_notification_id=request.end_notification_id,
        start_time=timestamp_from_pb(request, "start_time"),
        end_time=timestamp_from_pb(request, "end_time"))
    wanted.validate()
    return wanted


class AuditServicer(pb_grpc.AuditServiceServicer):
    """Each call reads in the thread pool; the export reads one batch per hop."""

    def __init__(self, app: ServiceApplication, ledger: Any = None) -> None:
        self.app = app
        self._ledger_instance = ledger
        self._tree: tuple[int, list[bytes]] = (-1, [])  # the last checkpoint's leaves read

    async def _recorded(self, read: HistoryRead) -> None:
        """Save the record of an answered read (who read what is history too)."""
        await asyncio.to_thread(self.app.save, read)

    async def ListAggregateEvents(self, request: pb.ListAggregateEventsRequest,  # noqa: N802
                                  context: grpc.aio.ServicerContext,
                                  ) -> pb.ListAggregateEventsResponse:
        checks = Violations()
        aggregate_id = checks.check(lambda: parse_uuid(request.aggregate_id, "aggregate_id"))
        page = checks.check(lambda: PageRequest.of(
            request.page_size, request.page_token, {"aggregate_id": request.aggregate_id}))
        checks.raise_if_any()
        assert aggregate_id is not None and page is not None
        events = await asyncio.to_thread(history.aggregate_events, self.app, aggregate_id)
        shown, token = page.cut(events)
        await self._recorded(HistoryRead("ListAggregateEvents", str(aggregate_id)))
        return pb.ListAggregateEventsResponse(
            events=[event_to_pb(e) for e in shown], next_page_token=token,
            total_size=len(events), aggregate_type=events[0].aggregate_type)

    async def GetAggregateState(self, request: pb.GetAggregateStateRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext) -> pb.AggregateState:
        checks = Violations()
        aggregate_id = checks.check(lambda: parse_uuid(request.aggregate_id, "aggregate_id"))
        if request.version < 0:
            checks.add("version", "NEGATIVE", "must not be negative (0 = the current state)")
        if request.version and request.HasField("as_of_time"):
            checks.add("as_of_time", "WITH_VERSION", "give a version or as_of_time, not both")
        checks.raise_if_any()
        assert aggregate_id is not None
        as_of = timestamp_from_pb(request, "as_of_time")
        view = await asyncio.to_thread(history.aggregate_state, self.app, aggregate_id,
                                       version=request.version, as_of=as_of)
        await self._recorded(HistoryRead("GetAggregateState", str(aggregate_id),
                                         version=request.version,
                                         as_of=as_of.isoformat() if as_of else ""))
        return pb.AggregateState(
            aggregate_id=str(view.aggregate_id), aggregate_type=view.aggregate_type,
            version=view.version, latest_version=view.latest_version,
            create_time=timestamp_to_pb(view.created_at),
            update_time=timestamp_to_pb(view.updated_at), state=struct(view.state))

    async def ExportEvents(self, request: pb.ExportEventsRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext,
                           ) -> AsyncIterator[pb.ExportEventsResponse]:
        # The stream maps its own errors, before the first message and between any two,
        # so it ends with a status even on a server without the request interceptor.
        try:
            wanted = export_range(request)
            end = await asyncio.to_thread(history.log_end, self.app, wanted)
            await self._recorded(HistoryRead(
                "ExportEvents", start_notification_id=wanted.start_notification_id,
                end_notification_id=end,
                start_time=wanted.start_time.isoformat() if wanted.start_time else "",
                end_time=wanted.end_time.isoformat() if wanted.end_time else ""))
            batches = history.export_batches(self.app, wanted, end)
            while True:
                remaining = context.time_remaining()
                if context.cancelled() or (remaining is not None and remaining <= 0):
                    return
                events = await asyncio.to_thread(next, batches, None)
                if events is None:
                    return
                for event in events:
                    yield pb.ExportEventsResponse(event=event_to_pb(event),
                                                  end_notification_id=end)
        except LienthongError as error:
            log.info("rpc refused", method="ExportEvents", reason=error.reason,
                     detail=error.message)
            await context.abort_with_status(status_for(error))
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception:
            call_id = _request_id(context)
            log.exception("rpc failed", method="ExportEvents", request_id=call_id)
            await context.abort_with_status(internal_status(call_id))

    # -- tamper evidence: the ledger's checkpoints and Merkle proofs --------------------

    def _ledger(self) -> Any:
        """The ledger the checkpointer keeps beside the event table (never created here)."""
        if self._ledger_instance is None:
            from lienthong.audit.ledger import Ledger

            self._ledger_instance = Ledger(self.app, create=False)
        return self._ledger_instance

    def _checkpoints(self) -> list[Any]:
        """Every checkpoint; none while no checkpointer created the ledger's tables."""
        try:
            return list(self._ledger().checkpoints())
        except Exception as error:
            if _missing_table(error):
                return []
            raise

    def _leaf_hashes(self, tree_size: int) -> list[bytes]:
        """The first ``tree_size`` leaf hashes; a signed tree never changes, so the last is kept."""
        size, hashes = self._tree
        if size != tree_size:
            hashes = self._ledger().leaf_hashes(tree_size)
            if len(hashes) == tree_size:
                self._tree = (tree_size, hashes)
        return hashes

    def _complete_leaf_hashes(self, tree_size: int) -> list[bytes]:
        """The leaves a signed checkpoint covers; DATA_LOSS when the leaf table lacks some."""
        hashes = self._leaf_hashes(tree_size)
        if len(hashes) < tree_size:
            raise DataLoss(
                f"the checkpoint of {tree_size} leaves is signed, but the leaf table holds "
                f"only {len(hashes)} of them: the stored tree is incomplete",
                reason="AUDIT_TREE_INCOMPLETE",
                metadata={"tree_size": str(tree_size), "stored_leaves": str(len(hashes))})
        return hashes

    async def ListCheckpoints(self, request: pb.ListCheckpointsRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.ListCheckpointsResponse:
        page = PageRequest.of(request.page_size, request.page_token, {"list": "checkpoints"})
        checkpoints = await asyncio.to_thread(self._checkpoints)
        shown, token = page.cut(checkpoints)
        return pb.ListCheckpointsResponse(checkpoints=[checkpoint_to_pb(c) for c in shown],
                                          next_page_token=token, total_size=len(checkpoints))

    async def GetLatestCheckpoint(self, request: pb.GetLatestCheckpointRequest,  # noqa: N802
                                  context: grpc.aio.ServicerContext) -> pb.Checkpoint:
        return checkpoint_to_pb(await asyncio.to_thread(self._checkpoint, 0))

    def _checkpoint(self, tree_size: int) -> Any:
        """The checkpoint of this size (0 = the latest); NOT_FOUND when none was signed."""
        ledger = self._ledger()
        try:
            checkpoint = (ledger.checkpoint_at(tree_size) if tree_size
                          else ledger.latest_checkpoint())
        except Exception as error:
            if not _missing_table(error):
                raise
            checkpoint = None
        if checkpoint is None:
            raise NotFound("checkpoint", str(tree_size) if tree_size else "latest")
        return checkpoint

    async def GetInclusionProof(self, request: pb.GetInclusionProofRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext,
                                ) -> pb.GetInclusionProofResponse:
        checks = Violations()
        if request.notification_id <= 0:
            checks.add("notification_id", "NOT_POSITIVE", "must be a notification id (1, 2, ...)")
        if request.tree_size < 0:
            checks.add("tree_size", "NEGATIVE", "must not be negative (0 = the latest checkpoint)")
        checks.raise_if_any()

        def prove() -> pb.GetInclusionProofResponse:
            from lienthong.audit import merkle

            checkpoint = self._checkpoint(request.tree_size)
            ledger = self._ledger()
            wanted = request.notification_id
            index = ledger.leaf_index(wanted)
            if index is None:
                # Below the tree's last leaf the tree passed it for good (a hole in the
                # log); beyond the log it does not exist; between, it is not in yet.
                if wanted <= ledger.last_notification_id() or wanted > (
                        self.app.recorder.max_notification_id() or 0):
                    raise NotFound("event", str(wanted))
                raise _not_yet(wanted, self._checkpoint(0) if request.tree_size else checkpoint)
            if index >= checkpoint.tree_size:
                latest = self._checkpoint(0) if request.tree_size else checkpoint
                if index >= latest.tree_size:
                    raise _not_yet(wanted, latest)
                raise InvalidArgument.single(
                    "tree_size", "BEFORE_EVENT",
                    f"the checkpoint of {checkpoint.tree_size} leaves ends before event "
                    f"{wanted} (leaf {index}); ask for a later one (0 = the latest)")
            hashes = self._complete_leaf_hashes(checkpoint.tree_size)
            return pb.GetInclusionProofResponse(
                leaf_index=index, leaf_hash=hashes[index], tree_size=checkpoint.tree_size,
                hashes=merkle.inclusion_proof(index, hashes),
                checkpoint=checkpoint_to_pb(checkpoint))
        return await asyncio.to_thread(prove)

    async def GetConsistencyProof(self, request: pb.GetConsistencyProofRequest,  # noqa: N802
                                  context: grpc.aio.ServicerContext,
                                  ) -> pb.GetConsistencyProofResponse:
        checks = Violations()
        if request.first_tree_size <= 0:
            checks.add("first_tree_size", "NOT_POSITIVE", "must be a checkpoint's tree size")
        if request.second_tree_size < 0:
            checks.add("second_tree_size", "NEGATIVE",
                       "must not be negative (0 = the latest checkpoint)")
        if request.second_tree_size and request.first_tree_size > request.second_tree_size:
            checks.add("first_tree_size", "FIRST_AFTER_SECOND",
                       "must not be greater than second_tree_size")
        checks.raise_if_any()

        def prove() -> pb.GetConsistencyProofResponse:
            from lienthong.audit import merkle

            first = self._checkpoint(request.first_tree_size)
            second = self._checkpoint(request.second_tree_size)
            if first.tree_size > second.tree_size:
                raise InvalidArgument.single(
                    "first_tree_size", "FIRST_AFTER_SECOND",
                    f"the latest checkpoint has {second.tree_size} leaves")
            hashes = self._complete_leaf_hashes(second.tree_size)
            return pb.GetConsistencyProofResponse(
                first_tree_size=first.tree_size, second_tree_size=second.tree_size,
                hashes=merkle.consistency_proof(first.tree_size, hashes),
                first_checkpoint=checkpoint_to_pb(first),
                second_checkpoint=checkpoint_to_pb(second))
        return await asyncio.to_thread(prove)


def _not_yet(notification_id: int, latest: Any) -> FailedPrecondition:
    """The event is in the log but beyond the latest checkpoint: ask again later."""
    return FailedPrecondition(
        f"event {notification_id} is not among the {latest.tree_size} leaves of the "
        f"latest checkpoint yet", reason="NOT_YET_CHECKPOINTED",
        metadata={"notification_id": str(notification_id)})


def _request_id(context: grpc.aio.ServicerContext) -> str:
    metadata = dict(context.invocation_metadata() or ())
    value = metadata.get(REQUEST_ID_KEY)
    return value if isinstance(value, str) and value else str(uuid.uuid4())


def _missing_table(error: BaseException) -> bool:
    """Whether a ledger read failed because its tables were never created."""
    while error is not None:
        if "no such table" in str(error) or type(error).__name__ == "UndefinedTable":
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def checkpoint_to_pb(checkpoint: Any) -> pb.Checkpoint:
    return pb.Checkpoint(
        origin=checkpoint.origin, tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash, create_time=timestamp_to_pb(checkpoint.timestamp),
        last_notification_id=checkpoint.last_notification_id, note=checkpoint.note,
        key_name=checkpoint.key_name, signature=checkpoint.signature)


def add_audit_service(app: ServiceApplication, server: grpc.aio.Server, *,
                      ledger: Any = None) -> list[str]:
    """Serve AuditService over ``app``'s event store; the full service name, for reflection.

    The ledger is read from the tables beside the event table; an in-memory
    application (``memory:``) shares its checkpointer's ``ledger`` object instead.
    """
    pb_grpc.add_AuditServiceServicer_to_server(AuditServicer(app, ledger), server)
    return [SERVICE_NAME]
