"""Applicants' personal data: sealed before it is recorded, opened for answers, erased on
request (the Law on Personal Data Protection, 2025; Decree 13/2023/NĐ-CP).

A dossier's ``Submitted`` event records its applicant (full name, personal identification
number, phone, address) sealed with the applicant's own key (:mod:`lienthong.personal`):
the event store and the published events hold only the subject's reference, the key id,
the nonce and the ciphertext. The application opens it for the answers of
``GetDossier``, ``ListDossiers`` and ``GetDossierHistory`` and for the portal
synchronisation (in this process); a consumer in another process asks ``GetDossier``.

Erasing a subject destroys their key: every applicant sealed for them then reads as
erased, and nothing else changes (the stored events, the rest of each dossier, the audit
tree over the stored bytes). Dossiers recorded before applicants were sealed hold them in
clear and read as recorded; erasure cannot reach them without rewriting the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lienthong.personal import ERASED, Sealed, SubjectKeys, master_key_for
from lienthong.validation import Violations

from .domain.applicant import Applicant, check_pin
from .domain.personal_data import PersonalDataErasure

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from lienthong.eventstore import HistoryItem
    from lienthong.idempotency import Command, IdempotentApplication

    from .domain.dossier import Dossier
    from .jurisdiction import Jurisdiction

    _Application = IdempotentApplication
else:
    _Application = object

PIN_FIELD = "personal_identification_number"


@dataclass(frozen=True)
class ApplicantView(Applicant):
    """An applicant as answered: opened, or erased (every personal field empty)."""

    subject_ref: str = ""
    erased: bool = False

    @classmethod
    def of(cls, fields: Mapping[str, Any], subject_ref: str = "") -> ApplicantView:
        return cls(str(fields.get("full_name", "")), str(fields.get(PIN_FIELD, "")),
                   str(fields.get("phone", "")), str(fields.get("address", "")),
                   subject_ref=subject_ref)


@dataclass(frozen=True)
class Erasure:
    """What an erasure request did."""

    subject_ref: str
    key_destroyed: bool
    erased_at: dt.datetime


def _view(recorded: Mapping[str, Any], sealed: Sealed | None,
          opened: Mapping[str, Any] | object) -> ApplicantView:
    if sealed is None:  # recorded before applicants were sealed
        return ApplicantView.of(recorded)
    if opened is ERASED or not isinstance(opened, Mapping):
        return ApplicantView("", "", subject_ref=sealed.subject, erased=True)
    return ApplicantView.of(opened, sealed.subject)


class PersonalDataCommands(_Application):
    """The dossiers application's handling of applicants' personal data.

    Mix in before :class:`~lienthong.idempotency.IdempotentApplication` and call
    :meth:`_init_personal_data` from ``__init__`` after ``super().__init__()``.
    """

    personal_data: SubjectKeys
    clock: Callable[[], dt.datetime]

    if TYPE_CHECKING:
        def today(self) -> dt.date: ...
        def jurisdiction(self) -> Jurisdiction | None: ...

    def _init_personal_data(self, event_store: str, master_key_file: str | Path) -> None:
        self.personal_data = SubjectKeys(self, master_key_for(event_store, master_key_file))

    def seal_applicant(self, applicant: Applicant) -> dict[str, str]:
        """The applicant as a dossier's event records it: sealed under their own key."""
        return self.personal_data.seal(applicant.personal_identification_number,
                                       applicant.as_dict()).as_dict()

    def applicant_of(self, dossier: Dossier) -> ApplicantView:
        return self.open_applicant(dossier.applicant)

    def applicants_of(self, dossiers: Sequence[Dossier]) -> list[ApplicantView]:
        """:meth:`applicant_of` each dossier (a page of a list), the keys read at once."""
        sealed = [Sealed.from_dict(dossier.applicant) for dossier in dossiers]
        opened = iter(self.personal_data.open_many([s for s in sealed if s is not None]))
        return [_view(dossier.applicant, s, next(opened) if s is not None else None)
                for dossier, s in zip(dossiers, sealed, strict=True)]

    def open_applicant(self, recorded: Mapping[str, Any]) -> ApplicantView:
        """The applicant a dossier recorded: opened, erased, or as recorded in clear."""
        sealed = Sealed.from_dict(recorded)
        return _view(recorded, sealed, self.personal_data.open(sealed) if sealed else None)

    def history_payload(self, item: HistoryItem) -> dict[str, Any]:
        """An event's own fields as a history answers them, its applicant opened."""
        payload = item.payload
        if isinstance(item.fields.get("applicant"), dict):
            payload["applicant"] = asdict(self.open_applicant(item.fields["applicant"]))
        return payload

    def erase_personal_data(self, personal_identification_number: str, *,
                            request_id: str = "", reason: str = "") -> Erasure:
        """Destroy the key of the subject with this number, and record that it was done.

        The key goes first, the record after it: a failure in between leaves the data
        erased, and a retry records it (destroying nothing more). An erasure reaches every
        dossier of the subject, wherever it is: a caller whose access rule limits it to
        its jurisdiction may not ask for one.
        """
        if (jurisdiction := self.jurisdiction()) is not None:
            raise jurisdiction.refusal("may not erase a person: an erasure reaches the "
                                       "person's dossiers in every unit")
        pin = personal_identification_number.strip()
        violations = Violations()
        check_pin(pin, PIN_FIELD, violations, self.today())
        if not reason.strip():
            violations.add("reason", "REASON_REQUIRED", "an erasure says why: the subject's "
                           "request, its reference, the legal ground")
        violations.raise_if_any()
        subject = self.personal_data.reference(pin)

        def execute(command: Command) -> dict[str, Any]:
            destroyed = self.personal_data.erase(pin)
            erasure = PersonalDataErasure(subject=subject, key_destroyed=destroyed,
                                          erased_at=self.clock())
            return self.save_command(
                command, {"subject_ref": subject, "key_destroyed": destroyed,
                          "erased_at": erasure.erased_at.isoformat()}, erasure)

        done = self.run_command(
            request_id, "ErasePersonalData", {"subject": subject}, execute, reason=reason)
        return Erasure(done["subject_ref"], done["key_destroyed"],
                       dt.datetime.fromisoformat(done["erased_at"]))
