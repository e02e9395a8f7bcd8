"""The wire protocol of the axis, shared by the client and the stand-in.

Every operation is ``POST <base URL>/<operation>``. Its parameters travel as HTTP
headers named ``XroadVnpt-<field>``, signed: ``XroadVnpt-sign-header-key`` lists the
field names separated by ``;``, ``XroadVnpt-sign-header`` holds the JSON object of the
prefixed headers and their values, and ``XroadVnpt-hash-header`` the hex HMAC-SHA256 of
that JSON text keyed with the system's secret. ``systemid`` and ``timestamp``
(``ddMMyyyyTHHmmss+SSSS``, the milliseconds on four digits) are signed on every call.
A receiver checks the signature over the JSON text as received, then reads each field
only from it, so that an unsigned header is never taken for a field.

Every answer is a JSON object with ``status`` (``OK`` or ``FAIL``), ``ErrorCode`` and
``ErrorDesc``, and the operation's own keys.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

HEADER_PREFIX = "XroadVnpt-"
SIGNED_NAMES_HEADER = "XroadVnpt-sign-header-key"
SIGNED_JSON_HEADER = "XroadVnpt-sign-header"
SIGNATURE_HEADER = "XroadVnpt-hash-header"
VERSION_HEADER = "XroadVnpt-version"
PROTOCOL_VERSION = "3.0.201608"
USER_AGENT = "Lienthong/1.0 XRoad/VPCP"

#: The operations of the pull model, as URL paths under the base URL.
SEND = "sendEdoc"
LIST_RECEIVED = "getReceivedEdocList"
GET = "getEdoc"
UPDATE_STATUS = "updateStatus"

#: The service type every document exchange names.
SERVICE_TYPE = "eDoc"
#: The multipart part that carries the edXML of a send.
FILE_PART = "file_doc"

#: Fields every call signs.
SYSTEM_ID = "systemid"
TIMESTAMP = "timestamp"
#: Fields of the operations.
FROM = "from"
TO = "to"
SERVICE_TYPE_FIELD = "servicetype"
MESSAGE_TYPE_FIELD = "messagetype"
HASH_FILE = "hash-file"
MESSAGE_ID = "messageid"
DOC_ID = "docId"
STATUS = "status"

OK = "OK"
FAIL = "FAIL"


class MessageType(enum.StrEnum):
    """What an exchanged message holds: a document package or a status package."""

    EDOC = "edoc"
    STATUS = "status"


class ProcessingStatus(enum.StrEnum):
    """What a receiving system reports with ``updateStatus`` on a message it pulled."""

    #: Taken in: the axis stops listing it.
    DONE = "done"
    #: Could not be taken in (unreadable): the axis stops listing it.
    FAIL = "fail"
    PROCESSING = "processing"


class SignatureError(ValueError):
    """The signed headers are missing, inconsistent or signed with another secret."""


def timestamp(moment: dt.datetime | None = None) -> str:
    """``moment`` (now by default) as the axis writes a timestamp."""
    moment = moment or dt.datetime.now(dt.UTC)
    return f"{moment:%d%m%YT%H%M%S}+{moment.microsecond // 1000:04d}"


def signature(secret: str, signed_json: str) -> str:
    return hmac.new(secret.encode(), signed_json.encode(), hashlib.sha256).hexdigest()


def signed_headers(system_id: str, secret: str, fields: Mapping[str, str],
                   moment: dt.datetime | None = None) -> dict[str, str]:
    """The HTTP headers of a call carrying ``fields``, signed for ``system_id``."""
    every = {SYSTEM_ID: system_id, TIMESTAMP: timestamp(moment), **fields}
    prefixed = {f"{HEADER_PREFIX}{name}": value for name, value in every.items()}
    signed_json = json.dumps(prefixed, separators=(",", ":"))
    return {
        **prefixed,
        SIGNED_NAMES_HEADER: ";".join(every),
        SIGNED_JSON_HEADER: signed_json,
        SIGNATURE_HEADER: signature(secret, signed_json),
        VERSION_HEADER: PROTOCOL_VERSION,
        "User-Agent": USER_AGENT,
    }


def verified_fields(headers: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, str]:
    """The signed fields of a call, by lower-case name, once the signature checks out
    against the secret ``secrets`` holds for the calling system."""
    names_text = headers.get(SIGNED_NAMES_HEADER)
    signed_json = headers.get(SIGNED_JSON_HEADER)
    given = headers.get(SIGNATURE_HEADER)
    if not names_text or signed_json is None or given is None:
        raise SignatureError("the call is not signed")
    try:
        signed = json.loads(signed_json)
    except ValueError:
        raise SignatureError(f"{SIGNED_JSON_HEADER} is not JSON") from None
    if not isinstance(signed, dict):
        raise SignatureError(f"{SIGNED_JSON_HEADER} is not a JSON object")
    fields: dict[str, str] = {}
    for name in names_text.split(";"):
        header = f"{HEADER_PREFIX}{name}"
        value = signed.get(header)
        if not isinstance(value, str) or headers.get(header) != value:
            raise SignatureError(f"{header} does not match its signed value")
        fields[name.lower()] = value
    for required in (SYSTEM_ID, TIMESTAMP):
        if required not in fields:
            raise SignatureError(f"{HEADER_PREFIX}{required} is not signed")
    secret = secrets.get(fields[SYSTEM_ID])
    if secret is None:
        raise SignatureError(f"system {fields[SYSTEM_ID]!r} is not known")
    if not hmac.compare_digest(signature(secret, signed_json), given):
        raise SignatureError("the signature does not match")
    return fields


def answer(status: str = OK, error_code: str = "0", error_desc: str = "",
           **values: object) -> dict[str, object]:
    """An answer of the axis: the status envelope and the operation's own keys."""
    return {"status": status, "ErrorCode": error_code, "ErrorDesc": error_desc, **values}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
