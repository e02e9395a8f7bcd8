"""A command names itself and its payload once; a retry gets the first answer (AIP-155)."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.domain import event

from lienthong.errors import InvalidArgument
from lienthong.eventstore import AuditedAggregate
from lienthong.idempotency import Command, IdempotentApplication, request_record_id


class Note(AuditedAggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


class Notes(IdempotentApplication):
    service_name = "notes"

    def __init__(self) -> None:
        super().__init__("memory:")
        self.executed: list[Command] = []

    def write(self, text: str, *, request_id: str = "") -> str:
        def execute(command: Command) -> dict[str, Any]:
            self.executed.append(command)
            note = Note(text)
            return self.save_command(command, {"note_id": str(note.id)}, note)

        return self.run_command(request_id, "WriteNote", {"text": text}, execute)["note_id"]

    def erase(self, text: str, *, request_id: str = "") -> None:
        self.run_command(request_id, "EraseNote", {"text": text},
                         lambda command: self.save_command(command, {}))


def test_a_retry_gets_the_first_answer_without_running_again() -> None:
    notes = Notes()

    first = notes.write("Tờ khai", request_id="r-1")
    again = notes.write("Tờ khai", request_id="r-1")

    assert again == first
    assert len(notes.executed) == 1
    record = notes.repository.get(request_record_id("r-1"))
    command = notes.executed[0]
    assert (record.method, record.fingerprint) == ("WriteNote", command.fingerprint)


@pytest.mark.parametrize("reuse", [
    lambda notes: notes.write("Giấy chứng sinh", request_id="r-1"),  # another payload
    lambda notes: notes.erase("Tờ khai", request_id="r-1"),  # another method
])
def test_a_request_id_used_for_another_request_is_refused(reuse: Any) -> None:
    notes = Notes()
    notes.write("Tờ khai", request_id="r-1")

    with pytest.raises(InvalidArgument) as refused:
        reuse(notes)

    assert refused.value.reason == "REQUEST_ID_REUSED"
    assert "WriteNote" in refused.value.message
    assert refused.value.metadata == {"field": "request_id",
                                      "resource_type": "lienthong.vn/Request",
                                      "resource_id": "r-1"}


def test_without_a_request_id_each_call_runs() -> None:
    notes = Notes()

    assert notes.write("Tờ khai") != notes.write("Tờ khai")
    assert len(notes.executed) == 2
