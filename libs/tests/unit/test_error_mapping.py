"""How the errors every service raises become google.rpc.Status on the wire (AIP-193)."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2

from lienthong.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    LienthongError,
    NotFound,
    Unavailable,
)
from lienthong.grpc.errors import (
    ERROR_DOMAIN,
    deadline_status,
    internal_status,
    status_for,
)

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def wire_status(status: grpc.Status) -> status_pb2.Status:
    """The google.rpc.Status a client finds in the trailing metadata."""
    [raw] = [value for key, value in status.trailing_metadata if key == STATUS_DETAILS_KEY]
    return status_pb2.Status.FromString(raw)


def detail(status: grpc.Status, kind: type) -> list:
    found = []
    for packed in wire_status(status).details:
        if packed.Is(kind.DESCRIPTOR):
            message = kind()
            packed.Unpack(message)
            found.append(message)
    return found


class RetiredError(FailedPrecondition):
    reason = "UNIT_RETIRED"


@pytest.mark.parametrize(("error", "code"), [
    (InvalidArgument.single("unit_id", "UUID_FORMAT", "must be a UUID"),
     grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound("unit", "42"), grpc.StatusCode.NOT_FOUND),
    (AlreadyExists("taken", reason="AGENCY_CODE_IN_USE"), grpc.StatusCode.ALREADY_EXISTS),
    (FailedPrecondition("no"), grpc.StatusCode.FAILED_PRECONDITION),
    (RetiredError("merged"), grpc.StatusCode.FAILED_PRECONDITION),
    (Conflict("try again"), grpc.StatusCode.ABORTED),
    (Unavailable("the exchange axis is down"), grpc.StatusCode.UNAVAILABLE),
    (LienthongError("odd"), grpc.StatusCode.INTERNAL),
])
def test_each_kind_of_error_has_its_status_code(error: LienthongError,
                                                code: grpc.StatusCode) -> None:
    status = status_for(error)

    assert status.code == code
    assert status.details == error.message
    assert wire_status(status).code == code.value[0]
    assert wire_status(status).message == error.message


def test_every_error_carries_an_error_info_with_its_reason_and_the_domain() -> None:
    error = AlreadyExists("000.00.01.H26 is held by Phường Phúc Xá", reason="AGENCY_CODE_IN_USE",
                          metadata={"code": "000.00.01.H26", "holder_unit_id": "u-1"})

    [info] = detail(status_for(error), error_details_pb2.ErrorInfo)

    assert info.reason == "AGENCY_CODE_IN_USE"
    assert info.domain == ERROR_DOMAIN == "lienthong.vn"
    assert dict(info.metadata) == {"code": "000.00.01.H26", "holder_unit_id": "u-1",
                                   "resource_type": "identity.lienthong.vn/Unit",
                                   "resource_id": "u-1"}


def test_an_unknown_id_names_the_resource_in_its_reason() -> None:
    [info] = detail(status_for(NotFound("unit", "abc")), error_details_pb2.ErrorInfo)

    assert info.reason == "UNIT_NOT_FOUND"
    assert dict(info.metadata) == {"resource_type": "identity.lienthong.vn/Unit",
                                   "resource_id": "abc"}


def test_bad_input_lists_every_field_violation() -> None:
    error = InvalidArgument([
        FieldViolation("display_name", "REQUIRED", "must not be empty"),
        FieldViolation("new_successor.agency_code", "AGENCY_CODE_LENGTH", "must be 13 characters"),
    ])

    status = status_for(error)
    [info] = detail(status, error_details_pb2.ErrorInfo)
    [bad] = detail(status, error_details_pb2.BadRequest)

    assert info.reason == "REQUIRED"  # the first broken rule
    assert dict(info.metadata) == {"field": "display_name"}
    assert [(v.field, v.reason, v.description) for v in bad.field_violations] == [
        ("display_name", "REQUIRED", "must not be empty"),
        ("new_successor.agency_code", "AGENCY_CODE_LENGTH", "must be 13 characters"),
    ]
    assert status.details == ("display_name: must not be empty; "
                              "new_successor.agency_code: must be 13 characters")


def test_an_invalid_argument_without_violations_still_says_so() -> None:
    status = status_for(InvalidArgument([]))

    [info] = detail(status, error_details_pb2.ErrorInfo)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert info.reason == "INVALID_ARGUMENT"
    assert status.details == "invalid argument"


def test_a_rule_of_the_domain_names_the_unit_it_concerns() -> None:
    error = RetiredError("unit u-7 was merged", metadata={"unit_id": "u-7"})

    status = status_for(error)
    [failure] = detail(status, error_details_pb2.PreconditionFailure)

    assert [(v.type, v.subject, v.description) for v in failure.violations] == [
        ("UNIT_RETIRED", "identity.lienthong.vn/Unit/u-7", "unit u-7 was merged")]
    assert detail(status, error_details_pb2.BadRequest) == []


@pytest.mark.parametrize(("metadata", "resource_type", "resource_id"), [
    # A dossier refused for its unit's sake is about the dossier.
    ({"dossier_id": "d-1", "unit_id": "u-1", "command": "approve"},
     "dossiers.lienthong.vn/Dossier", "d-1"),
    ({"procedure_code": "1.001193"}, "dossiers.lienthong.vn/Procedure", "1.001193"),
    ({"code": "20194", "holder_unit_id": "u-2"}, "identity.lienthong.vn/Unit", "u-2"),
    ({"notification_id": "41"}, "lienthong.vn/Event", "41"),
    # An error may name its record outright, with a type of its own.
    ({"resource_type": "documents.lienthong.vn/Document", "resource_id": "doc-1",
      "dossier_id": "d-1"}, "documents.lienthong.vn/Document", "doc-1"),
])
def test_a_refusal_names_the_record_it_is_about(metadata: dict[str, str], resource_type: str,
                                                resource_id: str) -> None:
    status = status_for(FailedPrecondition("refused", reason="SOME_RULE", metadata=metadata))

    [info] = detail(status, error_details_pb2.ErrorInfo)
    [failure] = detail(status, error_details_pb2.PreconditionFailure)
    assert (info.metadata["resource_type"], info.metadata["resource_id"]) == (
        resource_type, resource_id)
    assert [(v.type, v.subject) for v in failure.violations] == [
        ("SOME_RULE", f"{resource_type}/{resource_id}")]


def test_a_refusal_naming_no_record_says_so_by_naming_none() -> None:
    status = status_for(FailedPrecondition("the lineage loops", reason="LINEAGE_CYCLE"))

    [info] = detail(status, error_details_pb2.ErrorInfo)
    [failure] = detail(status, error_details_pb2.PreconditionFailure)
    assert dict(info.metadata) == {}
    assert failure.violations[0].subject == ""


def test_a_refusal_naming_only_a_code_keeps_the_code_as_its_subject() -> None:
    error = FailedPrecondition("2.002154: no version in force", reason="NO_VERSION_IN_FORCE",
                               metadata={"code": "2.002154"})

    [failure] = detail(status_for(error), error_details_pb2.PreconditionFailure)

    assert failure.violations[0].subject == "2.002154"


def test_only_bad_input_carries_field_violations() -> None:
    for error in (NotFound("unit", "x"), AlreadyExists("x"), Conflict("x"),
                  FailedPrecondition("x")):
        assert detail(status_for(error), error_details_pb2.BadRequest) == []


def test_a_bug_shows_the_caller_only_a_reference_to_the_log() -> None:
    status = internal_status("req-123")

    [info] = detail(status, error_details_pb2.ErrorInfo)
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.details == "internal error; the service log holds request req-123"
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "INTERNAL", ERROR_DOMAIN, {"request_id": "req-123"})
    assert len(wire_status(status).details) == 1


def test_a_passed_deadline_is_deadline_exceeded() -> None:
    status = deadline_status()

    [info] = detail(status, error_details_pb2.ErrorInfo)
    assert status.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wire_status(status).code == code_pb2.DEADLINE_EXCEEDED
    assert info.reason == "DEADLINE_EXCEEDED"


def test_a_vietnamese_message_travels_unchanged() -> None:
    message = "Xã Tam Xuân đã sáp nhập; mã 20194 bị khóa"

    status = status_for(FailedPrecondition(message, reason="ADMINISTRATIVE_CODE_LOCKED"))

    assert status.details == message
    assert wire_status(status).message == message
