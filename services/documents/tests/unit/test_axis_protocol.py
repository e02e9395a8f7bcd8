"""The axis's signed headers: what a client signs a stand-in verifies, and nothing else."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest

from lienthong.services.documents.axis import protocol

if TYPE_CHECKING:
    from collections.abc import Callable

SECRETS = {"lienthong.h26": "s3cret"}


def signed(**fields: str) -> dict[str, str]:
    return protocol.signed_headers("lienthong.h26", "s3cret", fields,
                                   dt.datetime(2026, 3, 2, 8, 30, 5, 123456, tzinfo=dt.UTC))


def test_signed_fields_read_back_by_lower_case_name() -> None:
    headers = signed(docId="abc-1", status="done")

    assert protocol.verified_fields(headers, SECRETS) == {
        "systemid": "lienthong.h26", "timestamp": "02032026T083005+0123",
        "docid": "abc-1", "status": "done"}
    assert headers["XroadVnpt-sign-header-key"] == "systemid;timestamp;docId;status"
    assert json.loads(headers["XroadVnpt-sign-header"])["XroadVnpt-docId"] == "abc-1"
    assert headers["XroadVnpt-version"] == protocol.PROTOCOL_VERSION


@pytest.mark.parametrize(("tamper", "complaint"), [
    (lambda h: h.update({"XroadVnpt-docId": "other"}), "does not match its signed value"),
    (lambda h: h.update({"XroadVnpt-hash-header": "0" * 64}), "signature does not match"),
    (lambda h: h.pop("XroadVnpt-sign-header"), "not signed"),
    (lambda h: h.update({"XroadVnpt-sign-header": "[1]"}), "not a JSON object"),
    (lambda h: h.update({"XroadVnpt-sign-header-key": "docId"}), "systemid is not signed"),
])
def test_a_tampered_call_is_refused(tamper: Callable[[dict[str, str]], object],
                                    complaint: str) -> None:
    headers = signed(docId="abc-1")
    tamper(headers)

    with pytest.raises(protocol.SignatureError, match=complaint):
        protocol.verified_fields(headers, SECRETS)


def test_another_secret_or_an_unknown_system_is_refused() -> None:
    headers = signed(docId="abc-1")

    with pytest.raises(protocol.SignatureError, match="signature does not match"):
        protocol.verified_fields(headers, {"lienthong.h26": "guessed"})
    with pytest.raises(protocol.SignatureError, match="not known"):
        protocol.verified_fields(headers, {"someone.else": "s3cret"})


def test_the_answer_envelope() -> None:
    assert protocol.answer(DocId="d1") == {"status": "OK", "ErrorCode": "0", "ErrorDesc": "",
                                           "DocId": "d1"}
    assert protocol.answer(protocol.FAIL, "404", "no document")["status"] == "FAIL"
