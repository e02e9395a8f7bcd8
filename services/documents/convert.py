"""Between the documents' records and their protobuf messages, for the gRPC face and
the published events alike."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.grpc.convert import date_to_pb, timestamp_to_pb

if TYPE_CHECKING:
    from collections.abc import Mapping

AUTHORITIES = {pb.AUTHORITY_PREFIX_UNSPECIFIED: "", pb.AUTHORITY_PREFIX_TM: "TM.",
               pb.AUTHORITY_PREFIX_KT: "KT.", pb.AUTHORITY_PREFIX_TL: "TL.",
               pb.AUTHORITY_PREFIX_TUQ: "TUQ.", pb.AUTHORITY_PREFIX_Q: "Q."}
URGENCIES = {pb.URGENCY_UNSPECIFIED: "normal", pb.URGENCY_URGENT: "urgent",
             pb.URGENCY_VERY_URGENT: "very_urgent", pb.URGENCY_IMMEDIATE: "immediate"}
CONFIDENTIALITIES = {pb.CONFIDENTIALITY_UNSPECIFIED: "normal",
                     pb.CONFIDENTIALITY_CONFIDENTIAL: "confidential",
                     pb.CONFIDENTIALITY_SECRET: "secret",
                     pb.CONFIDENTIALITY_TOP_SECRET: "top_secret"}
DOCUMENT_STATES = {"draft": pb.DOCUMENT_STATE_DRAFT, "submitted": pb.DOCUMENT_STATE_SUBMITTED,
                   "signed": pb.DOCUMENT_STATE_SIGNED, "numbered": pb.DOCUMENT_STATE_NUMBERED,
                   "issued": pb.DOCUMENT_STATE_ISSUED, "sent": pb.DOCUMENT_STATE_SENT,
                   "recalled": pb.DOCUMENT_STATE_RECALLED, "revoked": pb.DOCUMENT_STATE_REVOKED,
                   "replaced": pb.DOCUMENT_STATE_REPLACED,
                   "recall_requested": pb.DOCUMENT_STATE_RECALL_REQUESTED}
INCOMING_STATES = {"arrived": pb.INCOMING_STATE_ARRIVED, "refused": pb.INCOMING_STATE_REFUSED,
                   "registered": pb.INCOMING_STATE_REGISTERED,
                   "assigned": pb.INCOMING_STATE_ASSIGNED,
                   "completed": pb.INCOMING_STATE_COMPLETED,
                   "recalled": pb.INCOMING_STATE_RECALLED}



def back(table: Mapping[int, str]) -> dict[str, int]:
    """A table from enum numbers to names, turned round."""
    return {name: number for number, name in table.items()}


def iso_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def file_to_pb(value: Mapping[str, Any]) -> pb.FileRef:
    return pb.FileRef(**value)


def draft_to_pb(draft: Mapping[str, Any], files: list[dict[str, Any]]) -> pb.Draft:
    signer = draft["signer"]
    return pb.Draft(
        document_type=draft["document_type"], subject=draft["subject"],
        issuer_notation=draft["issuer_notation"], drafting_unit=draft["drafting_unit"],
        signer=pb.Signer(official_id=signer["official_id"], full_name=signer["full_name"],
                         position=signer["position"],
                         authority=back(AUTHORITIES).get(signer["authority"], 0)),
        recipients=draft["recipients"], urgency=back(URGENCIES)[draft["urgency"]],
        confidentiality=back(CONFIDENTIALITIES)[draft["confidentiality"]],
        deadline=date_to_pb(iso_date(draft["deadline"])),
        legal_normative=draft["legal_normative"], files=[file_to_pb(f) for f in files])


def signature_to_pb(signer: str, certificate_serial: str, signed_at: dt.datetime,
                    file: Mapping[str, Any]) -> pb.Signature:
    return pb.Signature(signer=signer, certificate_serial=certificate_serial,
                        signed_at=timestamp_to_pb(signed_at), file=file_to_pb(file))


def delivery_to_pb(delivery: Mapping[str, Any], status_code: str = "") -> pb.Delivery:
    return pb.Delivery(addressed_to=delivery["addressed_to"], route=delivery["route"],
                       incoming_id=delivery["incoming_id"], status_code=status_code)


def sent_to_pb(sent: Mapping[str, str]) -> pb.SentDocument:
    return pb.SentDocument(
        sender_agency_code=sent.get("sender_agency_code", ""),
        notation=sent.get("notation", ""), subject=sent.get("subject", ""),
        document_type=sent.get("document_type", ""),
        confidentiality=back(CONFIDENTIALITIES).get(sent.get("confidentiality", ""), 0),
        urgency=back(URGENCIES).get(sent.get("urgency", ""), 0),
        deadline=date_to_pb(iso_date(sent.get("deadline", ""))),
        document_id=sent.get("document_id", ""),
        edxml_document_id=sent.get("edxml_document_id", ""))
