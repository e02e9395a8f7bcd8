"""The platform's outer bounds on every request (``lienthong.grpc.limits``): the smallest
request that breaks one is larger than the size below which requests are not walked."""

from __future__ import annotations

from google.protobuf import field_mask_pb2

from lienthong.grpc.limits import (
    ALWAYS_WITHIN_BYTES,
    MAX_LIST_ITEMS,
    MAX_STRING_CHARS,
    violations,
)


def test_the_shortest_string_too_long_is_found_in_a_request_of_its_size() -> None:
    request = field_mask_pb2.FieldMask(paths=["a" * (MAX_STRING_CHARS + 1)])

    assert request.ByteSize() > ALWAYS_WITHIN_BYTES
    broken = violations(request, wire_bytes=request.ByteSize())
    assert [(v.field, v.rule) for v in broken] == [("paths[0]", "STRING_TOO_LONG")]


def test_the_smallest_list_too_long_is_found_in_a_request_of_its_size() -> None:
    request = field_mask_pb2.FieldMask(paths=[""] * (MAX_LIST_ITEMS + 1))  # the least bytes

    assert request.ByteSize() > ALWAYS_WITHIN_BYTES
    broken = violations(request, wire_bytes=request.ByteSize())
    assert [(v.field, v.rule) for v in broken] == [("paths", "TOO_MANY_ITEMS")]


def test_a_request_within_the_bounds_is_answered_alike_walked_or_not() -> None:
    request = field_mask_pb2.FieldMask(paths=["applicant.full_name", "x" * 900])

    assert violations(request) == []
    assert violations(request, wire_bytes=request.ByteSize()) == []
