"""``lienthong dossiers``: the procedure catalogue and the one-stop shop's dossiers.

Every command talks to the dossiers service over gRPC, at ``--address`` or at
the address of the local platform's run file. A command that changes something
sends a request id (a fresh one unless ``--request-id`` is given, and printed:
the service answers a repeated id with the first outcome, so a retry after a
lost answer reuses it), a reason, and who acts (``--actor``,
``--actor-agency-code``, sent as the call metadata the history records).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import grpc
import typer
from google.type import date_pb2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lienthong.dossiers.v1 import catalog_pb2 as catalog_pb
from lienthong.dossiers.v1 import catalog_pb2_grpc as catalog_grpc
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.dossiers.v1 import personal_data_pb2 as personal_pb
from lienthong.dossiers.v1 import personal_data_pb2_grpc as personal_grpc
from lienthong.identity.v1 import identity_pb2, identity_pb2_grpc
from lienthong.tools.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Json,
    as_dict,
    console,
    date_text,
    fail,
    open_channel,
    platform_address,
)
from lienthong.vietnam import VIETNAM_TIME, today_in_vietnam

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from google.protobuf.message import Message
    from google.protobuf.timestamp_pb2 import Timestamp

app = typer.Typer(help="The procedure catalogue and the one-stop shop's dossiers.",
                  no_args_is_help=True)
procedure_app = typer.Typer(help="The procedure catalogue: create, version, read.",
                            no_args_is_help=True)
app.add_typer(procedure_app, name="procedure")

#: A submission may queue behind others of its desk and retry on a conflict.
TIMEOUT_S = 30.0
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_PAGE_SIZE = 1000


class StatusName(StrEnum):
    """DossierStatus without its prefix; the portal's codes 1-10 in order."""

    new = "new"
    received = "received"
    not_received = "not_received"
    processing = "processing"
    supplement_requested = "supplement_requested"
    financial_obligation = "financial_obligation"
    withdrawn = "withdrawn"
    stopped = "stopped"
    processed = "processed"
    result_returned = "result_returned"


class ChannelName(StrEnum):
    counter = "counter"
    online = "online"
    postal = "postal"
    national_portal = "national_portal"


class LevelName(StrEnum):
    commune = "commune"
    province = "province"


class PolicyName(StrEnum):
    anywhere_in_country = "anywhere_in_country"
    anywhere_in_province = "anywhere_in_province"
    competent_unit_only = "competent_unit_only"


Address = Annotated[str, typer.Option(
    "--address", envvar="LIENTHONG_DOSSIERS_ADDRESS",
    help="host:port of the dossiers service (default: the local platform's).")]
IdentityAddress = Annotated[str, typer.Option(
    "--identity-address", envvar="LIENTHONG_IDENTITY_ADDRESS",
    help="host:port of the identity service, asked when a unit is given by its code "
         "(default: the local platform's).")]
Actor = Annotated[str, typer.Option(
    "--actor", envvar="LIENTHONG_ACTOR",
    help="The official who acts, as the history records it (unset: anonymous).")]
ActorAgency = Annotated[str, typer.Option(
    "--actor-agency-code", envvar="LIENTHONG_ACTOR_AGENCY_CODE",
    help="The agency code the official acts for.")]
RequestId = Annotated[str, typer.Option(
    "--request-id",
    help="Idempotency key: a retry with the same id returns the first outcome "
         "(default: a fresh UUID, printed).")]
Reason = Annotated[str, typer.Option("--reason", help="Why, as the history records it.")]
ApplicantReason = Annotated[str, typer.Option(
    "--reason", help="Why (required; shown to the applicant).")]
DossierId = Annotated[str, typer.Argument(help="The dossier's id.")]
ProcedureCode = Annotated[str, typer.Argument(help="The national procedure code, e.g. 1.004227.")]
PageSize = Annotated[int, typer.Option("--page-size", min=1, max=MAX_PAGE_SIZE,
                                       help="Items per page, 1 to 1000.")]
PageToken = Annotated[str, typer.Option("--page-token", help="The next_page_token of a "
                                        "previous call with the same filters.")]
AllPages = Annotated[bool, typer.Option("--all", help="Follow next_page_token to the end.")]


@dataclass(frozen=True)
class Caller:
    """Where the dossiers service is, and who acts in what is sent to it."""

    address: str
    data_dir: Path
    actor: str = ""
    actor_agency_code: str = ""

    def metadata(self) -> tuple[tuple[str, str], ...]:
        # Imported here: the interceptors module loads the tracing SDK, which
        # read-only commands have no use for.
        from lienthong.grpc.interceptors import ACTOR_AGENCY_KEY, ACTOR_KEY

        sent = ((ACTOR_KEY, self.actor), (ACTOR_AGENCY_KEY, self.actor_agency_code))
        return tuple((key, value) for key, value in sent if value)

    @contextlib.contextmanager
    def channel(self) -> Iterator[grpc.Channel]:
        """A channel to the service; a failed call in the block prints and exits 1."""
        target = platform_address(self.address, self.data_dir, "dossiers", "--address")
        with open_channel(target, self.data_dir) as channel:
            try:
                yield channel
            except grpc.RpcError as error:
                raise fail(error) from None

    def call(self, service: str, method: str, request: Message) -> Any:
        """One call to CatalogService or DossierService, with the actor's metadata."""
        with self.channel() as channel:
            return _method(channel, service, method)(request, timeout=TIMEOUT_S,
                                                     metadata=self.metadata())

    def pages(self, service: str, method: str, request: Any, follow: bool) -> Iterator[Any]:
        """The reply to a list request, then, if ``follow``, each next page's."""
        with self.channel() as channel:
            call = _method(channel, service, method)
            while True:
                reply = call(request, timeout=TIMEOUT_S)
                yield reply
                if not (follow and reply.next_page_token):
                    return
                request.page_token = reply.next_page_token


def _method(channel: grpc.Channel, service: str, method: str) -> Any:
    stubs: dict[str, Any] = {"catalog": catalog_grpc.CatalogServiceStub,
                             "personal_data": personal_grpc.PersonalDataServiceStub}
    return getattr(stubs.get(service, pb_grpc.DossierServiceStub)(channel), method)


def _applicant(applicant: pb.Applicant, *, name_only: bool = False) -> str:
    if applicant.erased:
        return "[erased at the person's request]"
    if name_only:
        return applicant.full_name
    return ", ".join(part for part in (applicant.full_name,
                                        applicant.personal_identification_number,
                                        applicant.phone, applicant.address) if part)


def _request_id(given: str) -> str:
    return given or str(uuid.uuid4())


def _echo_json(message: Message) -> None:
    typer.echo(json.dumps(as_dict(message), ensure_ascii=False))


def _day(text: str, option: str) -> date_pb2.Date | None:
    """An option's YYYY-MM-DD date; None if not given."""
    if not text:
        return None
    try:
        return _date_pb(dt.date.fromisoformat(text))
    except ValueError:
        raise typer.BadParameter(f"not a YYYY-MM-DD date: {text!r}", param_hint=option) from None


def _date_pb(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _time(stamp: Timestamp) -> str:
    """A moment on Vietnam's clock, or a dash when unset."""
    if not (stamp.seconds or stamp.nanos):
        return "—"
    return stamp.ToDatetime(dt.UTC).astimezone(VIETNAM_TIME).strftime("%Y-%m-%d %H:%M:%S")


def _status(value: int) -> str:
    return pb.DossierStatus.Name(value).removeprefix("DOSSIER_STATUS_")


def _enum(wrapper: Any, prefix: str, name: str) -> int:
    return int(wrapper.Value(f"{prefix}{name.upper()}"))


def _enum_name(wrapper: Any, prefix: str, value: int) -> str:
    return str(wrapper.Name(value)).removeprefix(prefix).lower() if value else "—"


def resolve_unit(value: str, option: str, identity_address: str, data_dir: Path) -> str:
    """A unit id as given, or the unit that carries an administrative-unit (or agency) code
    today, as identity resolves it: its default current unit."""
    with contextlib.suppress(ValueError):
        return str(uuid.UUID(value))
    target = platform_address(identity_address, data_dir, "identity", "--identity-address")
    with open_channel(target, data_dir) as channel:
        try:
            reply = identity_pb2_grpc.IdentityServiceStub(channel).ResolveUnit(
                identity_pb2.ResolveUnitRequest(code=value), timeout=TIMEOUT_S)
        except grpc.RpcError as error:
            raise fail(error) from None
    current = {unit.unit_id: unit for unit in reply.current_units}
    if reply.default_unit_id not in current:
        named = ", ".join(f"{u.display_name} ({u.unit_id})" for u in reply.current_units)
        raise typer.BadParameter(
            f"{value} is carried on today by no single unit; give one's id: {named or 'none'}",
            param_hint=option)
    unit = current[reply.default_unit_id]
    console.print(f"{option} {escape(value)}: {escape(unit.display_name)} ({unit.unit_id})")
    return unit.unit_id


# -- showing ----------------------------------------------------------------------------

def _show_dossier(dossier: pb.Dossier, as_json: bool, request_id: str = "") -> None:
    """The dossier as one JSON object, or as a summary and its hops; then the request id."""
    if as_json:
        _echo_json(dossier)
        if request_id:
            console.print(f"request id {request_id}")
        return
    out = Console()
    summary = Table.grid(padding=(0, 2))
    summary.caption = "times in Vietnam (UTC+7)"
    summary.add_column(style="bold")
    summary.add_column()
    applicant = dossier.applicant
    result = " ".join(part for part in (
        _enum_name(pb.Outcome, "OUTCOME_", dossier.outcome) if dossier.outcome else "",
        ", ".join(dossier.result_documents),
        _enum_name(pb.Timeliness, "TIMELINESS_", dossier.timeliness)
        if dossier.timeliness else "",
        _time(dossier.result_return_time) if dossier.HasField("result_return_time") else "",
    ) if part)
    for label, value in (
        ("code", dossier.dossier_code),
        ("id", dossier.dossier_id),
        ("status", f"{_status(dossier.status)} ({dossier.status})"
                   + (", paused" if dossier.paused else "")),
        ("procedure", f"{dossier.procedure_code} version {dossier.procedure_version}, "
                      f"{dossier.sector}"),
        ("channel", _enum_name(pb.Channel, "CHANNEL_", dossier.channel)),
        ("applicant", _applicant(applicant)),
        ("receiving unit", dossier.receiving_unit_id),
        ("competent unit", dossier.competent_unit_id),
        ("holder unit", dossier.holder_unit_id),
        ("submitted", _time(dossier.submit_time)),
        ("received", _time(dossier.receive_time)),
        ("due date", date_text(dossier.due_date)
                     + (f" (moved by {dossier.paused_working_days} working days the clock "
                        "was stopped)" if dossier.paused_working_days else "")),
        ("overdue", "yes" if dossier.overdue else "no"),
        ("documents", ", ".join(dossier.submitted_documents) or "—"),
        ("result", result or "—"),
        ("version", str(dossier.version)),
    ):
        summary.add_row(label, escape(value))
    out.print(summary)
    if dossier.hops:
        hops = Table(title="hops (Vietnam time)")
        for column in ("#", "unit", "from", "to", "days", "due", "handler"):
            hops.add_column(column, no_wrap=column == "unit")
        for number, hop in enumerate(dossier.hops, 1):
            hops.add_row(str(number), hop.unit_id, _time(hop.start_time), _time(hop.end_time),
                         str(hop.deadline_working_days), date_text(hop.due_date),
                         escape(hop.handler))
        out.print(hops)
    if dossier.clock_stops:
        stops = Table(title="clock stops: waiting for the applicant (Vietnam time)")
        for column in ("#", "waiting for", "from", "to", "working days"):
            stops.add_column(column)
        for number, stop in enumerate(dossier.clock_stops, 1):
            stops.add_row(str(number), _enum_name(pb.ClockStopKind, "CLOCK_STOP_KIND_", stop.kind),
                          _time(stop.start_time), _time(stop.end_time) if stop.HasField(
                              "end_time") else "still waiting", str(stop.paused_working_days))
        out.print(stops)
    if request_id:
        out.print(f"request id {request_id} (give it as --request-id to retry)")


def _show_procedure(procedure: catalog_pb.Procedure, as_json: bool,
                    request_id: str = "") -> None:
    if as_json:
        _echo_json(procedure)
        if request_id:
            console.print(f"request id {request_id}")
        return
    out = Console()
    current = procedure.current_version
    in_force = (f"version {current.version}" if procedure.HasField("current_version")
                else "no version in force yet")
    out.print(f"[bold]{procedure.procedure_code}[/] {in_force}")
    table = Table(title="versions")
    for column in ("v", "effective", "name", "sector", "level", "decided by", "days", "fee (VND)",
                   "result", "received at", "documents"):
        table.add_column(column)
    for version in procedure.versions:
        table.add_row(
            str(version.version), date_text(version.effective_date), escape(version.name),
            escape(version.sector),
            _enum_name(catalog_pb.CompetentLevel, "COMPETENT_LEVEL_", version.competent_level),
            escape(version.competent_agency_kind), str(version.processing_working_days),
            f"{version.fee_vnd:,}", escape(version.result_document_type),
            _enum_name(catalog_pb.BoundaryPolicy, "BOUNDARY_POLICY_", version.boundary_policy),
            escape(", ".join(d.name for d in version.required_documents)))
    out.print(table)
    if request_id:
        out.print(f"request id {request_id} (give it as --request-id to retry)")


# -- the procedure catalogue ------------------------------------------------------------

Name = Annotated[str, typer.Option("--name", help="The procedure's name.")]
Sector = Annotated[str, typer.Option("--sector", help="Its sector, e.g. Hộ tịch.")]
Level = Annotated[LevelName, typer.Option(
    "--competent-level", case_sensitive=False, help="The level of the unit that decides.")]
AgencyKind = Annotated[str, typer.Option(
    "--competent-agency-kind", help="Who decides there, as a label.")]
Days = Annotated[int, typer.Option("--processing-working-days", min=1, max=INT32_MAX,
                                   help="The processing time in working days.")]
Policy = Annotated[PolicyName, typer.Option(
    "--boundary-policy", case_sensitive=False,
    help="Where a dossier may be received (Decision 118/QĐ-TTg).")]
ResultType = Annotated[str, typer.Option(
    "--result-document-type", help="What the applicant receives, e.g. Giấy khai sinh.")]
RequiredDocuments = Annotated[list[str] | None, typer.Option(
    "--required-document", help="A document the applicant hands in (repeat for each).")]
Fee = Annotated[int, typer.Option("--fee-vnd", min=0, max=INT64_MAX,
                                  help="The fee in đồng (0: free).")]


def _version(effective_date: date_pb2.Date | None, name: str, sector: str, level: LevelName,
             agency_kind: str, days: int, documents: list[str] | None, fee: int,
             result_type: str, policy: PolicyName) -> catalog_pb.ProcedureVersion:
    return catalog_pb.ProcedureVersion(
        effective_date=effective_date, name=name, sector=sector,
        competent_level=_enum(catalog_pb.CompetentLevel, "COMPETENT_LEVEL_", level),
        competent_agency_kind=agency_kind, processing_working_days=days,
        required_documents=[catalog_pb.RequiredDocument(name=d) for d in documents or ()],
        fee_vnd=fee, result_document_type=result_type,
        boundary_policy=_enum(catalog_pb.BoundaryPolicy, "BOUNDARY_POLICY_", policy))


@procedure_app.command("create")
def procedure_create(
    code: ProcedureCode, name: Name, sector: Sector, competent_level: Level,
    processing_working_days: Days, boundary_policy: Policy, result_document_type: ResultType,
    competent_agency_kind: AgencyKind = "people's committee",
    required_document: RequiredDocuments = None, fee_vnd: Fee = 0,
    effective_date: Annotated[str, typer.Option(
        "--effective-date", help="YYYY-MM-DD, the first day in force (default: today in "
        "Vietnam, so that dossiers can be submitted at once).")] = "",
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Create a procedure with its first version, in force from --effective-date."""
    effective = _day(effective_date, "--effective-date") or _date_pb(today_in_vietnam())
    request = catalog_pb.CreateProcedureRequest(
        request_id=_request_id(request_id), procedure_code=code, reason=reason,
        first_version=_version(effective, name, sector, competent_level,
                               competent_agency_kind, processing_working_days,
                               required_document, fee_vnd, result_document_type,
                               boundary_policy))
    reply = Caller(address, data_dir, actor, actor_agency_code).call(
        "catalog", "CreateProcedure", request)
    _show_procedure(reply, as_json, request.request_id)


@procedure_app.command("add-version")
def procedure_add_version(
    code: ProcedureCode,
    effective_date: Annotated[str, typer.Option(
        "--effective-date", help="YYYY-MM-DD, the first day in force; after the latest "
        "version's.")],
    name: Name, sector: Sector, competent_level: Level, processing_working_days: Days,
    boundary_policy: Policy, result_document_type: ResultType,
    competent_agency_kind: AgencyKind = "people's committee",
    required_document: RequiredDocuments = None, fee_vnd: Fee = 0,
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Add a version taking effect on --effective-date (received dossiers keep theirs)."""
    request = catalog_pb.AddProcedureVersionRequest(
        request_id=_request_id(request_id), procedure_code=code, reason=reason,
        version=_version(_day(effective_date, "--effective-date"), name, sector,
                         competent_level, competent_agency_kind, processing_working_days,
                         required_document, fee_vnd, result_document_type, boundary_policy))
    reply = Caller(address, data_dir, actor, actor_agency_code).call(
        "catalog", "AddProcedureVersion", request)
    _show_procedure(reply, as_json, request.request_id)


@procedure_app.command("get")
def procedure_get(
    code: ProcedureCode,
    as_of: Annotated[str, typer.Option(
        "--as-of", help="YYYY-MM-DD: which version is current (default: today).")] = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """A procedure with every version, and the one in force."""
    request = catalog_pb.GetProcedureRequest(procedure_code=code, as_of=_day(as_of, "--as-of"))
    _show_procedure(Caller(address, data_dir).call("catalog", "GetProcedure", request), as_json)


@procedure_app.command("list")
def procedure_list(
    sector: Annotated[str, typer.Option("--sector", help="Only this sector "
                                        "(case-insensitive).")] = "",
    competent_level: Annotated[LevelName | None, typer.Option(
        "--competent-level", case_sensitive=False, help="Only procedures decided at this "
        "level.")] = None,
    page_size: PageSize = 50, page_token: PageToken = "", all_pages: AllPages = False,
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """The catalogue in code order, filtered on the version in force today."""
    request = catalog_pb.ListProceduresRequest(
        page_size=page_size, page_token=page_token, sector=sector,
        competent_level=_enum(catalog_pb.CompetentLevel, "COMPETENT_LEVEL_", competent_level)
        if competent_level else 0)
    found = catalog_pb.ListProceduresResponse()
    for reply in Caller(address, data_dir).pages("catalog", "ListProcedures", request,
                                                 all_pages):
        found.procedures.extend(reply.procedures)
        found.next_page_token = reply.next_page_token
    if as_json:
        _echo_json(found)
        return
    table = Table(title="procedures")
    for column in ("code", "v", "effective", "name", "sector", "level", "days", "received at"):
        table.add_column(column)
    for procedure in found.procedures:
        # A procedure not yet in force is listed by its first version.
        shown = (procedure.current_version if procedure.HasField("current_version")
                 else procedure.versions[0])
        table.add_row(
            procedure.procedure_code, str(shown.version), date_text(shown.effective_date),
            escape(shown.name), escape(shown.sector),
            _enum_name(catalog_pb.CompetentLevel, "COMPETENT_LEVEL_", shown.competent_level),
            str(shown.processing_working_days),
            _enum_name(catalog_pb.BoundaryPolicy, "BOUNDARY_POLICY_", shown.boundary_policy))
    out = Console()
    out.print(table)
    if found.next_page_token:
        out.print(f"more: --page-token {found.next_page_token}")


# -- a dossier's life -------------------------------------------------------------------

@app.command("submit")
def submit(
    procedure: Annotated[str, typer.Option("--procedure", help="The procedure's code.")],
    receiving_unit: Annotated[str, typer.Option(
        "--receiving-unit", help="The desk: a unit id, or an administrative-unit or agency "
        "code that identity resolves to today's unit.")],
    applicant_name: Annotated[str, typer.Option("--applicant-name",
                                                help="The applicant's full name.")],
    applicant_id: Annotated[str, typer.Option(
        "--applicant-id", help="The applicant's 12-digit personal identification number.")],
    competent_unit: Annotated[str, typer.Option(
        "--competent-unit", help="Who decides, given as --receiving-unit is "
        "(default: the receiving unit).")] = "",
    applicant_phone: Annotated[str, typer.Option("--applicant-phone",
                                                 help="The applicant's phone.")] = "",
    applicant_address: Annotated[str, typer.Option("--applicant-address",
                                                   help="The applicant's address.")] = "",
    channel: Annotated[ChannelName, typer.Option(
        "--channel", case_sensitive=False, help="How the dossier came in.")
    ] = ChannelName.counter,
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="A document handed in (repeat for each).")] = None,
    identity_address: IdentityAddress = "",
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Hand in a dossier at a desk (status 1, new); it gets the desk's next code."""
    receiving = resolve_unit(receiving_unit, "--receiving-unit", identity_address, data_dir)
    competent = (resolve_unit(competent_unit, "--competent-unit", identity_address, data_dir)
                 if competent_unit and competent_unit != receiving_unit else receiving)
    request = pb.SubmitDossierRequest(
        request_id=_request_id(request_id), procedure_code=procedure,
        channel=_enum(pb.Channel, "CHANNEL_", channel),
        applicant=pb.Applicant(full_name=applicant_name,
                               personal_identification_number=applicant_id,
                               phone=applicant_phone, address=applicant_address),
        receiving_unit_id=receiving, competent_unit_id=competent,
        submitted_documents=document or [], reason=reason)
    dossier = Caller(address, data_dir, actor, actor_agency_code).call(
        "dossiers", "SubmitDossier", request)
    _show_dossier(dossier, as_json, request.request_id)


def _change(method: str, request: Any, request_id: str, caller: Caller, as_json: bool) -> None:
    """Send one command about a dossier under a request id; show the dossier it leaves."""
    request.request_id = _request_id(request_id)
    _show_dossier(caller.call("dossiers", method, request), as_json, request.request_id)


@app.command("receive")
def receive(dossier_id: DossierId, request_id: RequestId = "", reason: Reason = "",
            actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
            data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Receive a new dossier (1 -> 2): sets its due date and opens the first hop."""
    _change("ReceiveDossier", pb.ReceiveDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("refuse")
def refuse(dossier_id: DossierId, reason: ApplicantReason, request_id: RequestId = "",
           actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
           data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Refuse to receive a new dossier (1 -> 3)."""
    _change("RefuseToReceiveDossier",
            pb.RefuseToReceiveDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("assign")
def assign(dossier_id: DossierId,
           handler: Annotated[str, typer.Option("--handler", help="The official in charge.")],
           request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
           actor_agency_code: ActorAgency = "", address: Address = "",
           data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Give the current hop to an official (2 or 4 -> 4)."""
    _change("AssignDossier",
            pb.AssignDossierRequest(dossier_id=dossier_id, handler=handler, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("request-supplement")
def request_supplement(
    dossier_id: DossierId,
    missing: Annotated[list[str], typer.Option(
        "--missing", help="A missing document (repeat for each).")],
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Ask the applicant for missing documents (4 -> 5)."""
    _change("RequestSupplement", pb.RequestSupplementRequest(
        dossier_id=dossier_id, missing_documents=missing, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("supplement")
def supplement(
    dossier_id: DossierId,
    document: Annotated[list[str], typer.Option(
        "--document", help="A document handed in (repeat for each).")],
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Record the documents handed in (5 -> 4); the clock resumes, the due date moves on."""
    _change("SupplementDossier", pb.SupplementDossierRequest(
        dossier_id=dossier_id, documents=document, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("require-fee")
def require_fee(
    dossier_id: DossierId,
    amount_vnd: Annotated[int, typer.Option("--amount-vnd", min=1, max=INT64_MAX,
                                            help="What the applicant owes, in đồng.")],
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Wait for a fee or tax to be paid (4 -> 6)."""
    _change("RequireFinancialObligation", pb.RequireFinancialObligationRequest(
        dossier_id=dossier_id, amount_vnd=amount_vnd, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("pay-fee")
def pay_fee(dossier_id: DossierId, request_id: RequestId = "", reason: Reason = "",
            actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
            data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Record the payment (6 -> 4)."""
    _change("FulfilFinancialObligation",
            pb.FulfilFinancialObligationRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("transfer")
def transfer(
    dossier_id: DossierId,
    to: Annotated[str, typer.Option(
        "--to", help="The unit: an id, or a code identity resolves to today's unit.")],
    deadline_working_days: Annotated[int, typer.Option(
        "--deadline-working-days", min=1, max=INT32_MAX,
        help="The receiving unit's share of the processing time.")],
    identity_address: IdentityAddress = "",
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Hand the dossier on to another unit (2 or 4 -> 4): a new hop."""
    _change("TransferDossier", pb.TransferDossierRequest(
        dossier_id=dossier_id, to_unit_id=resolve_unit(to, "--to", identity_address, data_dir),
        deadline_working_days=deadline_working_days, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("pause")
def pause(dossier_id: DossierId, reason: ApplicantReason, request_id: RequestId = "",
          actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
          data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Pause a dossier in processing; the due date stays."""
    _change("PauseDossier", pb.PauseDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("resume")
def resume(dossier_id: DossierId, request_id: RequestId = "", reason: Reason = "",
           actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
           data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Resume a paused dossier."""
    _change("ResumeDossier", pb.ResumeDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("extend")
def extend(
    dossier_id: DossierId,
    new_due_date: Annotated[str, typer.Option(
        "--new-due-date", help="YYYY-MM-DD, later than the current due date.")],
    apology_slip: Annotated[str, typer.Option(
        "--apology-slip", help="The apology slip handed to the applicant (reference or "
        "text).")],
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Set a later appointment date, with an apology slip."""
    _change("ExtendDossier", pb.ExtendDossierRequest(
        dossier_id=dossier_id, new_due_date=_day(new_due_date, "--new-due-date"),
        apology_slip=apology_slip, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("approve")
def approve(
    dossier_id: DossierId,
    result: Annotated[list[str], typer.Option(
        "--result", help="A result document (repeat for each).")],
    request_id: RequestId = "", reason: Reason = "", actor: Actor = "",
    actor_agency_code: ActorAgency = "", address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Decide in the applicant's favour (4 -> 9)."""
    _change("ApproveDossier", pb.ApproveDossierRequest(
        dossier_id=dossier_id, result_documents=result, reason=reason),
        request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("reject")
def reject(dossier_id: DossierId, reason: ApplicantReason, request_id: RequestId = "",
           actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
           data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Decide against the applicant (4 -> 9)."""
    _change("RejectDossier", pb.RejectDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("return-result")
def return_result(dossier_id: DossierId, request_id: RequestId = "", reason: Reason = "",
                  actor: Actor = "", actor_agency_code: ActorAgency = "",
                  address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR,
                  as_json: Json = False) -> None:
    """Hand the result to the applicant (9 -> 10): early, on time or late."""
    _change("ReturnResult", pb.ReturnResultRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("withdraw")
def withdraw(dossier_id: DossierId, request_id: RequestId = "", reason: Reason = "",
             actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
             data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """The applicant withdraws the dossier (1, 2, 4, 5, 6 -> 7)."""
    _change("WithdrawDossier", pb.WithdrawDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


@app.command("stop")
def stop(dossier_id: DossierId, reason: ApplicantReason, request_id: RequestId = "",
         actor: Actor = "", actor_agency_code: ActorAgency = "", address: Address = "",
         data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Stop processing (2, 4, 5, 6 -> 8)."""
    _change("StopDossier", pb.StopDossierRequest(dossier_id=dossier_id, reason=reason),
            request_id, Caller(address, data_dir, actor, actor_agency_code), as_json)


# -- personal data ----------------------------------------------------------------------

@app.command("erase-person")
def erase_person(
    personal_identification_number: Annotated[str, typer.Argument(
        help="The person's 12-digit personal identification number.")],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why (required): the person's request, its reference, the legal "
        "ground.")],
    request_id: RequestId = "", actor: Actor = "", actor_agency_code: ActorAgency = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Erase a person's personal data: their key is destroyed, so every dossier of theirs
    shows the applicant as erased; the rest of each dossier and its history stay."""
    request = personal_pb.ErasePersonalDataRequest(
        request_id=_request_id(request_id),
        personal_identification_number=personal_identification_number, reason=reason)
    reply = Caller(address, data_dir, actor, actor_agency_code).call(
        "personal_data", "ErasePersonalData", request)
    if as_json:
        _echo_json(reply)
        return
    out = Console()
    done = ("[green]erased[/]: the person's key was destroyed" if reply.key_destroyed
            else "[yellow]nothing left to erase[/]: no key was held (already erased, or "
                 "nothing of theirs sealed since)")
    out.print(done)
    out.print(f"subject reference {reply.subject_ref}")
    out.print(f"at {_time(reply.erase_time)} (Vietnam time)")
    out.print(f"request id {request.request_id} (give it as --request-id to retry)")


# -- reading ----------------------------------------------------------------------------

@app.command("get")
def get(dossier_id: DossierId, address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR,
        as_json: Json = False) -> None:
    """A dossier: code, status, units, due date, overdue, hops."""
    _show_dossier(Caller(address, data_dir).call(
        "dossiers", "GetDossier", pb.GetDossierRequest(dossier_id=dossier_id)), as_json)


@app.command("list")
def list_dossiers(
    status: Annotated[StatusName | None, typer.Option(
        "--status", case_sensitive=False, help="Only dossiers in this status.")] = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="Only dossiers this unit holds: an id, or a code identity "
        "resolves.")] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue dossiers.")] = False,
    procedure: Annotated[str, typer.Option("--procedure",
                                           help="Only this procedure's dossiers.")] = "",
    submitted_from: Annotated[str, typer.Option(
        "--submitted-from", help="YYYY-MM-DD: submitted on or after (Vietnam date).")] = "",
    submitted_to: Annotated[str, typer.Option(
        "--submitted-to", help="YYYY-MM-DD: submitted on or before (Vietnam date).")] = "",
    page_size: PageSize = 50, page_token: PageToken = "", all_pages: AllPages = False,
    identity_address: IdentityAddress = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Dossiers in submission order, filtered."""
    request = pb.ListDossiersRequest(
        page_size=page_size, page_token=page_token,
        holder_unit_id=resolve_unit(unit, "--unit", identity_address, data_dir) if unit else "",
        status=_enum(pb.DossierStatus, "DOSSIER_STATUS_", status) if status else 0,
        overdue_only=overdue, procedure_code=procedure,
        submitted_from=_day(submitted_from, "--submitted-from"),
        submitted_to=_day(submitted_to, "--submitted-to"))
    found = pb.ListDossiersResponse()
    for reply in Caller(address, data_dir).pages("dossiers", "ListDossiers", request,
                                                 all_pages):
        found.dossiers.extend(reply.dossiers)
        found.next_page_token, found.total_size = reply.next_page_token, reply.total_size
    if as_json:
        _echo_json(found)
        return
    table = Table(title=f"{len(found.dossiers)} of {found.total_size} dossier(s)")
    for column in ("code", "id", "status", "procedure", "applicant", "holder", "due",
                   "overdue"):
        # Ids are for copying into the next command: never cut short.
        table.add_column(column, no_wrap=column in ("code", "id"))
    for dossier in found.dossiers:
        table.add_row(dossier.dossier_code, dossier.dossier_id, _status(dossier.status),
                      dossier.procedure_code,
                      escape(_applicant(dossier.applicant, name_only=True)),
                      dossier.holder_unit_id[:8], date_text(dossier.due_date),
                      "yes" if dossier.overdue else "")
    out = Console()
    out.print(table)
    if found.next_page_token:
        out.print(f"more: --page-token {found.next_page_token}")


@app.command("history")
def history(dossier_id: DossierId, address: Address = "",
            data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Every event of a dossier: what, when, who, for which agency, why, and the status."""
    reply = Caller(address, data_dir).call(
        "dossiers", "GetDossierHistory", pb.GetDossierHistoryRequest(dossier_id=dossier_id))
    if as_json:
        _echo_json(reply)
        return
    table = Table(title=f"history of {dossier_id} (Vietnam time)")
    for column in ("v", "event", "recorded", "actor", "agency", "request", "reason", "status"):
        # A request id is for reusing in a retry: folded, never cut short.
        table.add_column(column, overflow="fold" if column == "request" else "ellipsis")
    for entry in reply.entries:
        table.add_row(str(entry.version), entry.event_type, _time(entry.recorded_time),
                      escape(entry.actor), escape(entry.actor_agency_code),
                      escape(entry.request_id), escape(entry.reason),
                      _status(entry.status_after) if entry.status_after else "")
    Console().print(table)


@app.command("statistics")
def statistics(
    province: Annotated[str, typer.Argument(
        help="The province: an id, or a code identity resolves.")],
    page_size: PageSize = 50, page_token: PageToken = "", all_pages: AllPages = False,
    identity_address: IdentityAddress = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """A province's units compared: received, open, overdue, returned and on time."""
    request = pb.ListUnitStatisticsRequest(
        province_unit_id=resolve_unit(province, "PROVINCE", identity_address, data_dir),
        page_size=page_size, page_token=page_token)
    found = pb.ListUnitStatisticsResponse()
    for reply in Caller(address, data_dir).pages("dossiers", "ListUnitStatistics", request,
                                                 all_pages):
        found.unit_statistics.extend(reply.unit_statistics)
        found.next_page_token, found.total_size = reply.next_page_token, reply.total_size
    if as_json:
        _echo_json(found)
        return
    table = Table(title=f"{len(found.unit_statistics)} of {found.total_size} unit(s)")
    for column in ("unit", "received", "open", "overdue", "early", "on time", "late",
                   "on-time rate"):
        table.add_column(column, justify="left" if column == "unit" else "right")
    for stats in found.unit_statistics:
        rate = f"{stats.on_time_rate:.0%}" if stats.HasField("on_time_rate") else "—"
        table.add_row(stats.unit_id, str(stats.received), str(stats.open), str(stats.overdue),
                      str(stats.returned_early), str(stats.returned_on_time),
                      str(stats.returned_late), rate)
    out = Console()
    out.print(table)
    if found.next_page_token:
        out.print(f"more: --page-token {found.next_page_token}")
