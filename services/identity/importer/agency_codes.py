"""A province's published list of agency codes, applied through gRPC.

The file is CSV in UTF-8 (a byte-order mark is allowed, as spreadsheets
write one); lines starting with ``#`` are comments (a comment line holds no
double quote: it is read as CSV too, so a quoted field may span lines). The header names the
columns, in any order:

``administrative_unit_code``
    the unit's QĐ 19/2025 code (2 digits for a province, 5 for a commune);
``unit_name``
    its name as the identity service has it (e.g. ``Phường Quế Võ``);
    one of the two must be filled on each row, and when both are, they must
    name the same unit;
``agency_code``
    the QCVN 102:2016 code to give it (``NNN.NN.NN.XNN``);
``decision_number``, ``decision_date``
    the decision that issued the code (``1234/QĐ-UBND``; ``YYYY-MM-DD`` or
    ``DD/MM/YYYY``);
``effective_date`` (optional)
    when the code takes effect; the decision's date when empty.

Every row is checked on its own and the file as a whole is bounded (size,
rows, field lengths) before anything is applied. Rows are applied with a
request id derived from their content, so applying the same file twice
changes nothing; a unit that already has the code is ``unchanged``; a row
the service refuses is reported with the service's reason, and the others
still apply. Provinces are applied before their communes, because a
commune's code is checked against its province's.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import unicodedata
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import grpc
from google.type import date_pb2
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb

from ..domain.codes import AgencyCode, CodeError
from ..domain.unit import fold

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from lienthong.identity.v1.identity_pb2_grpc import IdentityServiceStub

COLUMNS = ("administrative_unit_code", "unit_name", "agency_code", "decision_number",
           "decision_date", "effective_date")
REQUIRED_COLUMNS = ("agency_code", "decision_number", "decision_date")
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The whole country has 3,355 provinces and communes; a list is one province's.
MAX_ROWS = 10_000
MAX_FIELD_LENGTH = 200
EARLIEST_DATE = dt.date(2016, 1, 1)  # QCVN 102:2016
CALL_TIMEOUT_S = 30
REQUEST_PREFIX = "agency-codes"


class AgencyCodeFileError(ValueError):
    """The file as a whole cannot be read: nothing is applied."""


@dataclass
class Row:
    line: int
    administrative_unit_code: str = ""
    unit_name: str = ""
    agency_code: str = ""
    decision_number: str = ""
    decision_date: dt.date | None = None
    effective_date: dt.date | None = None


@dataclass
class RowOutcome:
    line: int
    outcome: str  # applied, unchanged, refused
    administrative_unit_code: str = ""
    unit_name: str = ""
    agency_code: str = ""
    unit_id: str = ""
    reason: str = ""
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowOutcome]

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)

    def counts(self) -> dict[str, int]:
        return {o: self.count(o) for o in ("applied", "unchanged", "refused")}

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), "rows": [asdict(r) for r in self.rows]}


def _parse_date(raw: str) -> dt.date:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # a calendar day, no zone
        except ValueError:
            continue
    msg = f"{raw!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
    raise ValueError(msg)


def read_file(path: Path, *, today: dt.date) -> tuple[list[Row], list[RowOutcome]]:
    """The rows to apply and the rows refused by their own content."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        msg = f"{path} is {size} bytes; a list is at most {MAX_FILE_BYTES} bytes"
        raise AgencyCodeFileError(msg)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        msg = f"{path}: line {line} is not UTF-8 (byte {error.start}); save the file as UTF-8"
        raise AgencyCodeFileError(msg) from None
    return parse_rows(text, today=today)


def _records(text: str) -> list[tuple[int, list[str]]]:
    """The CSV records with the line each starts on; comment and blank records skipped.

    A comment is a record whose first field starts with ``#``; a quoted field
    may hold a line break, so lines are the reader's, not the text's.
    """
    reader = csv.reader(io.StringIO(text))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if any(field.strip() for field in record) and not record[0].lstrip().startswith("#"):
                records.append((start, record))
                if len(records) > MAX_ROWS + 1:
                    msg = f"the file has more than {MAX_ROWS} rows; a list is at most {MAX_ROWS}"
                    raise AgencyCodeFileError(msg)
            start = reader.line_num + 1
    except csv.Error as error:
        msg = f"line {reader.line_num}: the file is not CSV: {error}"
        raise AgencyCodeFileError(msg) from None
    return records


def parse_rows(text: str, *, today: dt.date) -> tuple[list[Row], list[RowOutcome]]:
    records = _records(text)
    if not records:
        msg = "the file has no header (columns: " + ", ".join(COLUMNS) + ")"
        raise AgencyCodeFileError(msg)
    header_line, raw_header = records[0]
    header = [h.strip().lower() for h in raw_header]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    unit_columns = {"administrative_unit_code", "unit_name"} & set(header)
    if unknown or missing or repeated or not unit_columns:
        msg = (f"line {header_line}: the header must name the columns "
               f"{', '.join(COLUMNS)} once each (administrative_unit_code or unit_name, or "
               f"both; effective_date optional)"
               + (f"; unknown: {', '.join(unknown)}" if unknown else "")
               + (f"; missing: {', '.join(missing)}" if missing else "")
               + (f"; repeated: {', '.join(repeated)}" if repeated else ""))
        raise AgencyCodeFileError(msg)
    rows: list[Row] = []
    refused: list[RowOutcome] = []
    for line, record in records[1:]:
        row, problem = _row(line, header, record, today)
        if problem:
            refused.append(RowOutcome(line, "refused", row.administrative_unit_code,
                                      row.unit_name, row.agency_code, reason=problem[0],
                                      message=problem[1]))
        else:
            rows.append(row)
    _refuse_duplicates(rows, refused)
    return rows, refused


def _row(line: int, header: list[str], record: list[str],
         today: dt.date) -> tuple[Row, tuple[str, str] | None]:
    row = Row(line)
    if len(record) != len(header):
        return row, ("COLUMN_COUNT", f"has {len(record)} fields; the header has {len(header)}")
    values = {h: v.strip() for h, v in zip(header, record, strict=True)}
    if too_long := [h for h, v in values.items() if len(v) > MAX_FIELD_LENGTH]:
        return row, ("FIELD_TOO_LONG", f"{too_long[0]} is over {MAX_FIELD_LENGTH} characters")
    row.administrative_unit_code = values.get("administrative_unit_code", "")
    row.unit_name = unicodedata.normalize("NFC", values.get("unit_name", ""))
    row.agency_code = values.get("agency_code", "")
    row.decision_number = values.get("decision_number", "")
    if not (row.administrative_unit_code or row.unit_name):
        return row, ("UNIT_REQUIRED", "give administrative_unit_code or unit_name")
    code = row.administrative_unit_code
    if code and not (code.isascii() and code.isdigit() and len(code) in (2, 5)):
        return row, ("ADMINISTRATIVE_CODE_FORMAT",
                     "administrative_unit_code is 2 digits (province) or 5 (commune)")
    try:
        row.agency_code = AgencyCode.parse(row.agency_code).value
    except CodeError as error:
        violation = error.violations[0]
        return row, (violation.rule, f"agency_code: {violation.description}")
    if not row.decision_number:
        return row, ("DECISION_NUMBER_REQUIRED", "give the number of the issuing decision")
    for column in ("decision_date", "effective_date"):
        if not values.get(column):
            continue
        try:
            day = _parse_date(values[column])
        except ValueError as error:
            return row, ("DATE_FORMAT", f"{column}: {error}")
        latest = today if column == "decision_date" else today + dt.timedelta(days=366)
        if not EARLIEST_DATE <= day <= latest:
            return row, ("DATE_OUT_OF_RANGE",
                         f"{column} {day} is not between {EARLIEST_DATE} and {latest}")
        setattr(row, column, day)
    if row.decision_date is None:
        return row, ("DECISION_DATE_REQUIRED", "give the date of the issuing decision")
    row.effective_date = row.effective_date or row.decision_date
    return row, None


def _refuse_duplicates(rows: list[Row], refused: list[RowOutcome]) -> None:
    """A unit or a code named twice in one list: every row after the first is refused."""
    first_line: dict[tuple[str, str], int] = {}
    for row in list(rows):
        keys = [("unit", row.administrative_unit_code or fold(row.unit_name)),
                ("agency code", row.agency_code)]
        earlier = [(what, first_line[(what, key)]) for what, key in keys
                   if (what, key) in first_line]
        if earlier:
            rows.remove(row)
            what, line = earlier[0]
            refused.append(RowOutcome(row.line, "refused", row.administrative_unit_code,
                                      row.unit_name, row.agency_code, reason="DUPLICATE_IN_FILE",
                                      message=f"the same {what} as line {line}"))
            continue
        first_line.update({key: row.line for key in keys})


def _date_pb(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def request_id(row: Row) -> str:
    """The same row always makes the same request: a second run is answered from the first."""
    content = "|".join([row.administrative_unit_code, fold(row.unit_name), row.agency_code,
                        row.decision_number, str(row.decision_date), str(row.effective_date)])
    return f"{REQUEST_PREFIX}/{hashlib.sha256(content.encode()).hexdigest()[:32]}"


class _Resolver:
    """From a row's code or name to the one active unit it means today."""

    def __init__(self, stub: IdentityServiceStub, province_code: str) -> None:
        self.stub = stub
        self.province_code = province_code
        self._province_id: str | None = None

    def province_id(self) -> str:
        if self._province_id is None:
            self._province_id = ""
            if self.province_code:
                answer = self.stub.ResolveUnit(pb.ResolveUnitRequest(code=self.province_code),
                                               timeout=CALL_TIMEOUT_S)
                self._province_id = answer.default_unit_id
        return self._province_id

    def within_province(self, unit: pb.Unit) -> pb.Unit:
        """The unit, if the list is for its province (or no province was given)."""
        province_id = self.province_id()
        if province_id and province_id not in (unit.unit_id, unit.province_unit_id):
            raise RowRefused("UNIT_OUTSIDE_PROVINCE",
                             f"{unit.display_name} ({unit.administrative_unit_code}) is not in "
                             f"the province of this list ({self.province_code})")
        return unit

    def unit(self, row: Row) -> pb.Unit:
        if row.administrative_unit_code:
            answer = self.stub.ResolveUnit(
                pb.ResolveUnitRequest(code=row.administrative_unit_code), timeout=CALL_TIMEOUT_S)
            unit = answer.named_unit
            if unit.status != pb.UNIT_STATUS_ACTIVE:
                current = ", ".join(f"{u.display_name} ({u.administrative_unit_code})"
                                    for u in answer.current_units)
                raise RowRefused("UNIT_RETIRED", f"{unit.display_name} "
                                 f"({row.administrative_unit_code}) is retired; its "
                                 f"responsibilities went to {current}")
            if row.unit_name and fold(row.unit_name) != fold(unit.display_name):
                raise RowRefused("UNIT_NAME_MISMATCH",
                                 f"{row.administrative_unit_code} is {unit.display_name}, "
                                 f"not {row.unit_name}")
            return unit
        return self._by_name(row.unit_name)

    def _by_name(self, name: str) -> pb.Unit:
        wanted = fold(name)
        matches: list[pb.Unit] = []
        token = ""
        while True:
            page = self.stub.SearchUnits(pb.SearchUnitsRequest(
                query=name, page_size=1000, page_token=token), timeout=CALL_TIMEOUT_S)
            matches += [u for u in page.units if fold(u.display_name) == wanted
                        and u.level in (pb.UNIT_LEVEL_PROVINCE, pb.UNIT_LEVEL_COMMUNE)]
            token = page.next_page_token
            if not token:
                break
        if self.province_id():
            matches = [u for u in matches if self.province_id() in (u.unit_id,
                                                                    u.province_unit_id)]
        if not matches:
            raise RowRefused("UNIT_NOT_FOUND", f"no active province or commune is named {name}")
        if len(matches) > 1:
            where = ", ".join(u.administrative_unit_code for u in matches)
            raise RowRefused("UNIT_NAME_AMBIGUOUS",
                             f"{len(matches)} active units are named {name} ({where}); give "
                             "administrative_unit_code, or --province")
        return matches[0]


class RowRefused(Exception):
    """A row's outcome (not a failure of the import): the service was not asked."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def apply_rows(stub: IdentityServiceStub, rows: list[Row], refused: list[RowOutcome], *,
               province_code: str = "", console: Console | None = None) -> ImportReport:
    """Resolve every row's unit, then apply provinces before communes."""
    resolver = _Resolver(stub, province_code)
    outcomes = list(refused)
    resolved: list[tuple[Row, pb.Unit]] = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=console is None)
    with progress:
        task = progress.add_task("agency codes", total=2 * len(rows))
        for row in rows:
            progress.advance(task)
            try:
                resolved.append((row, resolver.within_province(resolver.unit(row))))
            except RowRefused as refusal:
                outcomes.append(_outcome(row, "refused", None, refusal.reason, refusal.message))
            except grpc.RpcError as error:
                outcomes.append(_refused_by_service(row, None, error))
        resolved.sort(key=lambda pair: pair[1].level != pb.UNIT_LEVEL_PROVINCE)
        first_line: dict[str, int] = {}
        for row, unit in resolved:
            progress.advance(task)
            if unit.unit_id in first_line:  # once by its code, once by its name
                outcomes.append(_outcome(row, "refused", unit, "DUPLICATE_IN_FILE",
                                         f"the same unit as line {first_line[unit.unit_id]}"))
                continue
            first_line[unit.unit_id] = row.line
            outcomes.append(_apply(stub, row, unit))
        progress.advance(task, len(rows) - len(resolved))
    outcomes.sort(key=lambda o: o.line)
    return ImportReport(outcomes)


def _apply(stub: IdentityServiceStub, row: Row, unit: pb.Unit) -> RowOutcome:
    if unit.agency_code == row.agency_code and not unit.agency_code_provisional:
        return _outcome(row, "unchanged", unit)
    assert row.effective_date is not None and row.decision_date is not None
    reason = f"{row.decision_number} ({row.decision_date.isoformat()})"
    try:
        answer = stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
            request_id=request_id(row), unit_id=unit.unit_id, agency_code=row.agency_code,
            effective_date=_date_pb(row.effective_date), decision_number=row.decision_number,
            decision_date=_date_pb(row.decision_date), reason=reason), timeout=CALL_TIMEOUT_S)
    except grpc.RpcError as error:
        return _refused_by_service(row, unit, error)
    if answer.agency_code != row.agency_code:
        # The same row was applied before (the answer is that first one's), and a later
        # decision has replaced its code since: applying an old list does not undo it.
        return _outcome(row, "refused", answer, "REPLACED_SINCE",
                        f"this row was applied before; {answer.display_name} has had the code "
                        f"{answer.agency_code} since")
    return _outcome(row, "applied", unit)


def _outcome(row: Row, outcome: str, unit: pb.Unit | None, reason: str = "",
             message: str = "") -> RowOutcome:
    return RowOutcome(row.line, outcome,
                      unit.administrative_unit_code if unit else row.administrative_unit_code,
                      unit.display_name if unit else row.unit_name, row.agency_code,
                      unit.unit_id if unit else "", reason, message)


def _refused_by_service(row: Row, unit: pb.Unit | None, error: grpc.RpcError) -> RowOutcome:
    if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
        raise error  # the service failed, not the row: stop, a rerun resumes
    details = error_details(error)
    violations = details.get("field_violations") or []
    reason = str(violations[0][1]) if violations else str(details.get("reason", ""))
    return _outcome(row, "refused", unit, reason or error.code().name, error.details() or "")
