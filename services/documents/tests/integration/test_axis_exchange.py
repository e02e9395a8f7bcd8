"""Documents exchanged with agencies outside the platform through a stand-in of the
national axis on a real socket: sent once whatever is retried, dead-lettered when the
axis refuses or stays away, pulled and acknowledged only once handed over."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from lienthong.ports import free_port, wait_for_port
from lienthong.services.documents.axis import (
    AxisAnswerTooLarge,
    AxisClient,
    AxisSettings,
    Direction,
    Inbox,
    MessageType,
    Outbox,
    Received,
    RetryPolicy,
    Sent,
)
from lienthong.services.documents.axis.standin import AxisStandIn
from lienthong.services.documents.edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentType,
    Limits,
    MessageHeader,
    Organization,
    Package,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    Status,
    StatusCode,
    build_package,
    build_status,
)
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.timeout(60)

SYSTEM_ID = "lienthong.h26"
SECRET = "s3cret-of-the-platform"
HUNG_YEN = "000.00.01.H26"
FINANCE_MINISTRY = "000.00.00.G12"
GOVERNMENT_OFFICE = "000.00.00.G22"
FAST = RetryPolicy(max_attempts=6, initial_delay_s=0.05, multiplier=2.0, max_delay_s=0.2)


def package(sender: str, recipients: tuple[str, ...], number: str = "12",
            attachment: bytes = b"%PDF-1.7\n") -> bytes:
    day = dt.date(2026, 3, 2)
    return build_package(Package(
        MessageHeader(
            sender=Organization(sender, "Ủy ban nhân dân"),
            recipients=tuple(Organization(code, "") for code in recipients),
            document_id=DocumentId(sender, day, number, "UBND-VP"),
            code=Code(number, "UBND-VP"),
            promulgation=PromulgationInfo(day, "Hưng Yên"),
            document_type=DocumentType(1, "Công văn"),
            subject=f"V/v báo cáo số {number}",
            signer=SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", "Nguyễn Văn Ánh"),
        ),
        attachments=(Attachment("a1", "application/pdf", "cv.pdf", attachment),),
    ))


def status_report(sender: str, about: str, code: StatusCode) -> bytes:
    document = DocumentId(HUNG_YEN, dt.date(2026, 3, 2), about, "UBND-VP")
    return build_status(Status(
        sender=Organization(sender, "Bộ Tài chính"),
        response_for=ResponseFor(HUNG_YEN, document, f"{about}/UBND-VP", dt.date(2026, 3, 2)),
        code=code, timestamp=dt.datetime(2026, 3, 3, 8, 0, tzinfo=VIETNAM_TIME)))


@pytest.fixture
async def axis() -> AsyncIterator[AxisStandIn]:
    async with AxisStandIn() as standin:
        standin.register_system(SYSTEM_ID, SECRET, [HUNG_YEN])
        standin.register_system("bo-tai-chinh", "other", [FINANCE_MINISTRY])
        standin.register_agencies([GOVERNMENT_OFFICE])
        yield standin


def settings(axis: AxisStandIn, **overrides: object) -> AxisSettings:
    values: dict[str, object] = {"connect_timeout_s": 0.5, "request_timeout_s": 2.0}
    values.update(overrides)
    return AxisSettings(axis.url, SYSTEM_ID, SECRET, **values)  # type: ignore[arg-type]


@pytest.fixture
async def client(axis: AxisStandIn) -> AsyncIterator[AxisClient]:
    async with AxisClient(settings(axis)) as opened:
        yield opened


# -- sending --------------------------------------------------------------------------------

async def test_a_package_arrives_once_even_when_its_answer_is_lost(
        axis: AxisStandIn, client: AxisClient) -> None:
    outbox = Outbox(client, policy=FAST)
    edxml = package(HUNG_YEN, (FINANCE_MINISTRY,))
    axis.drop_next_answers(1)

    outcome = await outbox.send("msg-0001", [FINANCE_MINISTRY], edxml)

    assert isinstance(outcome, Sent)
    assert outcome.attempts == 2
    submission = axis.sent_by(SYSTEM_ID, "msg-0001")
    assert submission is not None
    assert submission.attempts == 2
    assert submission.doc_id == outcome.axis_doc_id
    held = axis.held_for(FINANCE_MINISTRY)
    assert [(d.sender, d.message_type, d.edxml) for d in held] == [
        (HUNG_YEN, "edoc", edxml)]

    again = await outbox.send("msg-0001", [FINANCE_MINISTRY], edxml)
    assert isinstance(again, Sent)
    assert again.axis_doc_id == outcome.axis_doc_id
    assert len(axis.held_for(FINANCE_MINISTRY)) == 1


async def test_sends_wait_for_the_axis_to_come_back(axis: AxisStandIn,
                                                    client: AxisClient) -> None:
    slow = RetryPolicy(max_attempts=10, initial_delay_s=0.1, multiplier=2.0, max_delay_s=0.4)
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(delay)

    outbox = Outbox(client, policy=slow, sleep=sleep)
    await axis.go_down()

    async def back_after_a_while() -> None:
        await asyncio.sleep(0.6)
        await axis.come_back()

    comeback = asyncio.create_task(back_after_a_while())
    outcome = await outbox.send("msg-down", [FINANCE_MINISTRY, GOVERNMENT_OFFICE],
                                package(HUNG_YEN, (FINANCE_MINISTRY, GOVERNMENT_OFFICE)))
    await comeback

    assert isinstance(outcome, Sent)
    assert outcome.attempts > 1
    assert all(0 <= delay <= 0.4 for delay in delays)
    assert len(axis.held_for(FINANCE_MINISTRY)) == 1
    assert len(axis.held_for(GOVERNMENT_OFFICE)) == 1


async def test_an_axis_away_too_long_dead_letters_until_an_operator_retries(
        axis: AxisStandIn, client: AxisClient) -> None:
    outbox = Outbox(client, policy=RetryPolicy(max_attempts=3, initial_delay_s=0.02,
                                               max_delay_s=0.05))
    edxml = package(HUNG_YEN, (FINANCE_MINISTRY,))
    await axis.go_down()

    outcome = await outbox.send("msg-long", [FINANCE_MINISTRY], edxml)

    assert not isinstance(outcome, Sent)
    [letter] = outbox.dead()
    assert (letter.key, letter.reason, letter.attempts) == ("msg-long", "AXIS_UNAVAILABLE", 3)
    assert "cannot be reached" in letter.error
    assert letter.details["operation"] == "sendEdoc"
    assert letter.message is not None
    assert letter.message.recipients == (FINANCE_MINISTRY,)

    await axis.come_back()
    retried = await outbox.retry("msg-long")

    assert isinstance(retried, Sent)
    assert retried.attempts == 4
    assert outbox.dead() == []
    assert [d.edxml for d in axis.held_for(FINANCE_MINISTRY)] == [edxml]


async def test_a_refusal_is_dead_lettered_at_once_with_the_axis_answer(
        axis: AxisStandIn, client: AxisClient) -> None:
    outbox = Outbox(client, policy=FAST)

    outcome = await outbox.send("msg-bad", ["not-an-agency"],
                                package(HUNG_YEN, (FINANCE_MINISTRY,)))

    assert not isinstance(outcome, Sent)
    assert (outcome.reason, outcome.attempts) == ("AXIS_REJECTED", 1)
    assert outcome.details["http_status"] == "400"
    assert outcome.details["axis_error_code"] == "UNKNOWN_RECIPIENT"
    assert "not-an-agency" in outcome.error
    assert axis.calls["sendEdoc"] == 1
    assert [letter.key for letter in outbox.dead()] == ["msg-bad"]


async def test_busy_and_slow_answers_are_retried(axis: AxisStandIn) -> None:
    async with AxisClient(settings(axis, request_timeout_s=0.3)) as impatient:
        outbox = Outbox(impatient, policy=FAST)
        axis.fail_next(2, status=503)
        first = await outbox.send("msg-busy", [FINANCE_MINISTRY],
                                  package(HUNG_YEN, (FINANCE_MINISTRY,), number="1"))
        axis.delay_s = 0.5
        task = asyncio.create_task(outbox.send(
            "msg-slow", [FINANCE_MINISTRY], package(HUNG_YEN, (FINANCE_MINISTRY,), number="2")))
        await asyncio.sleep(0.4)
        axis.delay_s = 0.0
        second = await task

    assert isinstance(first, Sent)
    assert first.attempts == 3
    assert isinstance(second, Sent)
    assert second.attempts >= 2
    assert len(axis.held_for(FINANCE_MINISTRY)) == 2


# -- receiving -------------------------------------------------------------------------------

async def test_waiting_packages_and_a_status_are_handed_over_and_acknowledged(
        axis: AxisStandIn, client: AxisClient) -> None:
    [first] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN],
                           package(FINANCE_MINISTRY, (HUNG_YEN,), number="101"))
    [second] = axis.deposit(GOVERNMENT_OFFICE, [HUNG_YEN],
                            package(GOVERNMENT_OFFICE, (HUNG_YEN,), number="102"))
    [report] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN],
                            status_report(FINANCE_MINISTRY, "12", StatusCode.REGISTERED),
                            MessageType.STATUS)
    axis.deposit(HUNG_YEN, [FINANCE_MINISTRY], package(HUNG_YEN, (FINANCE_MINISTRY,)))
    handed: list[Received] = []

    async def handler(message: Received) -> None:
        handed.append(message)

    fetched = await Inbox(client).fetch_new(handler)

    assert fetched.accepted == [first, second, report]
    assert [(m.doc_id, m.sender) for m in handed] == [
        (first, FINANCE_MINISTRY), (second, GOVERNMENT_OFFICE), (report, FINANCE_MINISTRY)]
    assert isinstance(handed[0].content, Package)
    assert handed[0].content.header.code.number == "101"
    assert isinstance(handed[2].content, Status)
    assert handed[2].content.code is StatusCode.REGISTERED
    assert axis.status_updates == [(first, "done", ""), (second, "done", ""),
                                   (report, "done", "")]
    assert axis.held_for(HUNG_YEN) == []
    assert (await Inbox(client).fetch_new(handler)).accepted == []
    assert len(axis.held_for(FINANCE_MINISTRY)) == 1


async def test_a_message_the_handler_fails_on_stays_on_the_axis(
        axis: AxisStandIn, client: AxisClient) -> None:
    [doc_id] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN],
                            package(FINANCE_MINISTRY, (HUNG_YEN,), number="7"))
    inbox = Inbox(client)
    seen: list[str] = []

    async def failing(message: Received) -> None:
        seen.append(message.doc_id)
        raise RuntimeError("the event store is down")

    async def accepting(message: Received) -> None:
        seen.append(message.doc_id)

    refused = await inbox.fetch_new(failing)
    assert refused.refused_by_handler == [doc_id]
    assert axis.status_updates == []
    assert [d.doc_id for d in axis.held_for(HUNG_YEN)] == [doc_id]

    accepted = await inbox.fetch_new(accepting)
    assert accepted.accepted == [doc_id]
    assert seen == [doc_id, doc_id]
    assert axis.held_for(HUNG_YEN) == []


async def test_garbage_is_acknowledged_as_failed_and_dead_lettered(
        axis: AxisStandIn, client: AxisClient) -> None:
    [garbage] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN], b"<edXML><broken")
    [good] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN],
                          package(FINANCE_MINISTRY, (HUNG_YEN,), number="8"))
    inbox = Inbox(client)
    handed: list[str] = []

    async def handler(message: Received) -> None:
        handed.append(message.doc_id)

    fetched = await inbox.fetch_new(handler)

    assert fetched.dead_lettered == [garbage]
    assert fetched.accepted == [good]
    assert handed == [good]
    [letter] = inbox.dead()
    assert (letter.direction, letter.key, letter.reason) == (
        Direction.INCOMING, garbage, "EDXML_NOT_READABLE")
    assert letter.raw == b"<edXML><broken"
    [(doc_id, status, description)] = [u for u in axis.status_updates if u[1] == "fail"]
    assert (doc_id, status) == (garbage, "fail")
    assert description.startswith("EDXML_NOT_READABLE")
    assert axis.held_for(HUNG_YEN) == []


async def test_a_garbled_answer_leaves_the_message_for_later(
        axis: AxisStandIn, client: AxisClient) -> None:
    [doc_id] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN],
                            package(FINANCE_MINISTRY, (HUNG_YEN,), number="9"))
    inbox = Inbox(client, message_types=[MessageType.EDOC])
    handed: list[str] = []

    async def handler(message: Received) -> None:
        handed.append(message.doc_id)

    axis.garbage_next(1, operation="getEdoc")
    first = await inbox.fetch_new(handler)
    second = await inbox.fetch_new(handler)

    assert (first.deferred, first.accepted) == ([doc_id], [])
    assert (second.deferred, second.accepted) == ([], [doc_id])
    assert handed == [doc_id]
    assert inbox.dead() == []


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_an_answer_over_the_size_limit_is_refused_before_it_is_read_whole(
        axis: AxisStandIn, streamed: bool) -> None:
    big = package(FINANCE_MINISTRY, (HUNG_YEN,), attachment=bytes(range(256)) * 8192)
    [doc_id] = axis.deposit(FINANCE_MINISTRY, [HUNG_YEN], big)
    axis.stream_answers = streamed
    limits = Limits(max_input_bytes=256 * 1024)

    async with AxisClient(settings(axis, limits=limits)) as bounded:
        with pytest.raises(AxisAnswerTooLarge) as refused:
            await bounded.get(doc_id)
        read = int(refused.value.metadata["bytes_read"])
        assert read < len(big)
        assert read <= bounded.settings.max_edoc_answer_bytes + 64 * 1024
        assert refused.value.metadata["operation"] == "getEdoc"

        inbox = Inbox(bounded)

        async def handler(message: Received) -> None:
            raise AssertionError("an oversized message is not handed over")

        fetched = await inbox.fetch_new(handler)

    assert fetched.dead_lettered == [doc_id]
    [letter] = inbox.dead()
    assert (letter.reason, letter.raw) == ("AXIS_ANSWER_TOO_LARGE", None)
    assert axis.status_updates[-1][:2] == (doc_id, "fail")


# -- for a developer ----------------------------------------------------------------------

async def test_a_developer_runs_the_stand_in_as_a_command() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lienthong.services.documents.axis.standin", "--port",
         str(port), "--system-id", SYSTEM_ID, "--secret", SECRET, "--organ", HUNG_YEN],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        await asyncio.to_thread(wait_for_port, port, process=process)
        url = f"http://127.0.0.1:{port}"
        async with AxisClient(AxisSettings(url, SYSTEM_ID, SECRET)) as client:
            assert await client.list_received(MessageType.EDOC) == []
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"axis stand-in on {url}".encode() in stdout
