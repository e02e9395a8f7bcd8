"""An administrative procedure of the national catalogue, versioned by effective date.

A procedure is named by its national code ("1.004227"). What it takes
(documents, days, fee) and who decides it change over time: each change is
a new version taking effect on its date, never an edit, because a dossier
keeps the version it was received under. The 2025 reform that abolished the
district level, for instance, gave many procedures a version effective
2025-07-01 decided at commune level.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition, InvalidArgument, NotFound
from lienthong.eventstore import AuditedAggregate, derived_id
from lienthong.validation import Violations

from .limits import (
    EARLIEST_EFFECTIVE_DATE,
    LATEST_EFFECTIVE_DATE,
    MAX_COPIES,
    MAX_DOCUMENTS,
    check_amount,
    check_date,
    check_working_days,
)

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

CompetentLevel = Literal["province", "commune"]
BoundaryPolicy = Literal["anywhere_in_province", "anywhere_in_country", "competent_unit_only"]

COMPETENT_LEVELS: tuple[CompetentLevel, ...] = ("province", "commune")
#: Where a dossier may be received (Decision 118/QĐ-TTg of 2025).
BOUNDARY_POLICIES: tuple[BoundaryPolicy, ...] = (
    "anywhere_in_province", "anywhere_in_country", "competent_unit_only")

#: The national code: the catalogue's prefix, a dot, six digits ("1.004227", "2.002154").
PROCEDURE_CODE = re.compile(r"[0-9]{1,3}\.[0-9]{6}")
MAX_NAME_LENGTH = 500
MAX_LABEL_LENGTH = 200


class VersionNotLaterError(FailedPrecondition):
    """Versions take effect in the order they are added."""

    reason = "VERSION_NOT_LATER"


class NoVersionInForceError(FailedPrecondition):
    """The procedure's first version takes effect after the day asked about."""

    reason = "NO_VERSION_IN_FORCE"


@dataclass(frozen=True)
class RequiredDocument:
    """A document the applicant hands in."""

    name: str
    copies: int = 1
    original_required: bool = False


@dataclass(frozen=True)
class ProcedureVersionSpec:
    """A version to add; the procedure numbers it. ``effective_date`` None is unset."""

    effective_date: dt.date | None
    name: str
    sector: str
    competent_level: str
    competent_agency_kind: str
    processing_working_days: int
    required_documents: tuple[RequiredDocument, ...]
    fee_vnd: int
    result_document_type: str
    boundary_policy: str


@dataclass(frozen=True)
class ProcedureVersion:
    """What the procedure takes, and who decides it, from ``effective_date`` on."""

    version: int
    effective_date: dt.date
    name: str
    sector: str
    competent_level: CompetentLevel
    competent_agency_kind: str
    processing_working_days: int
    required_documents: tuple[RequiredDocument, ...]
    fee_vnd: int
    result_document_type: str
    boundary_policy: BoundaryPolicy

    @classmethod
    def numbered(cls, version: int, spec: ProcedureVersionSpec) -> ProcedureVersion:
        """A validated spec as the procedure's version ``version``."""
        assert spec.effective_date is not None
        fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
        return cls(version=version, **fields)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as events store them."""
        data = dataclasses.asdict(self)
        data["required_documents"] = list(data["required_documents"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcedureVersion:
        return cls(**{**data, "required_documents": tuple(
            RequiredDocument(**d) for d in data["required_documents"])})


# -- validation ------------------------------------------------------------------------

def normalise_text(raw: str) -> str:
    """NFC, trimmed, inner runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def parse_procedure_code(raw: str, field: str = "procedure_code") -> str:
    code = raw.strip()
    if not code:
        raise InvalidArgument.single(field, "REQUIRED", "name the procedure by its national code")
    if not PROCEDURE_CODE.fullmatch(code):
        raise InvalidArgument.single(
            field, "PROCEDURE_CODE_FORMAT",
            f"must be a national procedure code: digits, a dot, six digits (e.g. 1.004227), "
            f"got {raw!r}")
    return code


def _text(raw: str, field: str, violations: Violations, *,
          max_length: int = MAX_LABEL_LENGTH) -> str:
    text = normalise_text(raw)
    if not text:
        violations.add(field, "REQUIRED", "must not be empty")
    elif len(text) > max_length:
        violations.add(field, "TOO_LONG", f"must be at most {max_length} characters")
    return text


def _choice(value: str, choices: tuple[str, ...], field: str, violations: Violations) -> None:
    if not value:
        violations.add(field, "REQUIRED", f"must be one of {', '.join(choices)}")
    elif value not in choices:
        violations.add(field, "ENUM_VALUE",
                       f"must be one of {', '.join(choices)}, got {value!r}")


def check_version_spec(spec: ProcedureVersionSpec, violations: Violations,
                       prefix: str = "") -> ProcedureVersionSpec:
    """Add every broken rule of a version to ``violations``; the spec normalised.

    Field paths start with ``prefix`` ("first_version."). The result is
    meaningful only if nothing was added.
    """
    if spec.effective_date is None:
        violations.add(f"{prefix}effective_date", "REQUIRED",
                       "say from which day the version is in force")
    else:
        check_date(spec.effective_date, f"{prefix}effective_date", violations,
                   earliest=EARLIEST_EFFECTIVE_DATE, latest=LATEST_EFFECTIVE_DATE)
    name = _text(spec.name, f"{prefix}name", violations, max_length=MAX_NAME_LENGTH)
    sector = _text(spec.sector, f"{prefix}sector", violations)
    _choice(spec.competent_level, COMPETENT_LEVELS, f"{prefix}competent_level", violations)
    agency_kind = _text(spec.competent_agency_kind, f"{prefix}competent_agency_kind",
                        violations)
    check_working_days(spec.processing_working_days, f"{prefix}processing_working_days",
                       violations, "the processing time")
    documents: list[RequiredDocument] = []
    seen: set[str] = set()
    if len(spec.required_documents) > MAX_DOCUMENTS:
        violations.add(f"{prefix}required_documents", "TOO_MANY_DOCUMENTS",
                       f"must list at most {MAX_DOCUMENTS}")
    for i, document in enumerate(spec.required_documents[:MAX_DOCUMENTS]):
        field = f"{prefix}required_documents[{i}]"
        doc_name = _text(document.name, f"{field}.name", violations,
                         max_length=MAX_NAME_LENGTH)
        if doc_name and doc_name.casefold() in seen:
            violations.add(f"{field}.name", "DUPLICATE_DOCUMENT",
                           f"{doc_name!r} is listed already")
        seen.add(doc_name.casefold())
        if document.copies < 0:
            violations.add(f"{field}.copies", "NON_NEGATIVE_REQUIRED",
                           "must not be negative (0 means 1)")
        elif document.copies > MAX_COPIES:
            violations.add(f"{field}.copies", "COPIES_OUT_OF_RANGE",
                           f"must be at most {MAX_COPIES}")
        documents.append(RequiredDocument(doc_name, document.copies or 1,
                                          document.original_required))
    check_amount(spec.fee_vnd, f"{prefix}fee_vnd", violations, positive=False)
    result_type = _text(spec.result_document_type, f"{prefix}result_document_type", violations)
    _choice(spec.boundary_policy, BOUNDARY_POLICIES, f"{prefix}boundary_policy", violations)
    return dataclasses.replace(
        spec, name=name, sector=sector, competent_agency_kind=agency_kind,
        required_documents=tuple(documents), result_document_type=result_type)


def validate_new_procedure(procedure_code: str, first_version: ProcedureVersionSpec,
                           ) -> tuple[str, ProcedureVersionSpec]:
    """The code and first version normalised, or every broken rule as InvalidArgument."""
    violations = Violations()
    code = violations.check(lambda: parse_procedure_code(procedure_code))
    spec = check_version_spec(first_version, violations, "first_version.")
    violations.raise_if_any()
    assert code is not None
    return code, spec


def validate_new_version(procedure_code: str, version: ProcedureVersionSpec,
                         ) -> tuple[str, ProcedureVersionSpec]:
    """Like :func:`validate_new_procedure`, for a version to add."""
    violations = Violations()
    code = violations.check(lambda: parse_procedure_code(procedure_code))
    spec = check_version_spec(version, violations, "version.")
    violations.raise_if_any()
    assert code is not None
    return code, spec


# -- the aggregate ---------------------------------------------------------------------

def procedure_id(procedure_code: str) -> UUID:
    return derived_id("procedure", procedure_code)


class Procedure(AuditedAggregate):
    """One procedure and all its versions, oldest first."""

    class Event(AuditedAggregate.Event):
        """Every event after creation names its procedure (creation carries it already)."""

        procedure_code: str

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("procedure_code", self.procedure_code)
        super().trigger_event(event_class, **kwargs)

    @staticmethod
    def create_id(procedure_code: str) -> UUID:
        return procedure_id(procedure_code)

    @event("Created")
    def __init__(self, procedure_code: str, first_version: dict[str, Any]) -> None:
        self.procedure_code = procedure_code
        self.versions: list[ProcedureVersion] = [ProcedureVersion.from_dict(first_version)]

    @classmethod
    def create(cls, procedure_code: str, first_version: ProcedureVersionSpec) -> Procedure:
        """A new procedure from a validated code and spec (see validate_new_procedure)."""
        return cls(procedure_code=procedure_code,
                   first_version=ProcedureVersion.numbered(1, first_version).as_dict())

    @property
    def latest(self) -> ProcedureVersion:
        return self.versions[-1]

    def add_version(self, spec: ProcedureVersionSpec) -> ProcedureVersion:
        """Add a validated version; it must take effect after the latest one."""
        latest = self.latest
        assert spec.effective_date is not None
        if spec.effective_date <= latest.effective_date:
            msg = (f"version.effective_date: {spec.effective_date} is not after "
                   f"{latest.effective_date}, when version {latest.version} of procedure "
                   f"{self.procedure_code} took effect; versions take effect in order")
            raise VersionNotLaterError(msg, metadata={
                "procedure_code": self.procedure_code, "field": "version.effective_date",
                "latest_version": str(latest.version),
                "latest_effective_date": latest.effective_date.isoformat()})
        added = ProcedureVersion.numbered(latest.version + 1, spec)
        self._version_added(added.as_dict())
        return added

    @event("VersionAdded")
    def _version_added(self, version: dict[str, Any]) -> None:
        self.versions.append(ProcedureVersion.from_dict(version))

    def version_in_force(self, day: dt.date) -> ProcedureVersion | None:
        """The latest version in force on ``day``, or None before the first."""
        found = None
        for candidate in self.versions:
            if candidate.effective_date <= day:
                found = candidate
        return found

    def version_on(self, day: dt.date) -> ProcedureVersion:
        """The version a dossier received on ``day`` is processed under."""
        found = self.version_in_force(day)
        if found is None:
            first = self.versions[0]
            msg = (f"procedure {self.procedure_code} has no version in force on {day}; "
                   f"its first version takes effect on {first.effective_date}")
            raise NoVersionInForceError(msg, metadata={
                "procedure_code": self.procedure_code, "as_of": day.isoformat(),
                "first_effective_date": first.effective_date.isoformat()})
        return found

    def numbered_version(self, number: int) -> ProcedureVersion:
        """Version ``number`` (1, 2, ...)."""
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        raise NotFound("procedure_version", f"{self.procedure_code}/versions/{number}")
