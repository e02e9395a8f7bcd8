"""Two replicas of the dossiers service on one PostgreSQL database, calls spread over both.

Each replica is the service as production runs it (``python -m lienthong.services.dossiers``
on a port of its own); both share one throw-away database, in which the units were saved
as the identity consumer records them and the procedure created through the first
replica (the benchmark's :class:`ReplicaSet`). Two desks' submissions arrive at both
replicas at once: each desk's codes of the day still run 1..N, every dossier reads back
at once on the replica that saved it and on the other, a status change made on one is
read on the other, and either lists every dossier once its list is as fresh as it
promises.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.personal import write_master_key_file
from lienthong.services.dossiers.benchmarks.api import (
    Desk,
    DossiersBenchConfig,
    DossiersClient,
    submit_request,
)
from lienthong.services.dossiers.benchmarks.replicas import ReplicaSet
from lienthong.services.dossiers.projections import DossierIndex
from lienthong.testing.postgres import (
    TemporaryDatabase,
    admin_dsn,
    postgres_available,
    postgres_required,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres

DESKS = 2
PER_DESK = 60
THREADS = 4


@dataclass(frozen=True)
class Replicas:
    """A client of each replica, and the desks they serve."""

    clients: list[DossiersClient]
    desks: list[Desk]


@dataclass(frozen=True)
class Submission:
    """One SubmitDossier and what each replica answered right after it."""

    desk: Desk
    replica: int
    reply: pb.Dossier
    read_here: pb.Dossier
    read_there: pb.Dossier


@dataclass(frozen=True)
class Submitted:
    done: list[Submission]
    failed: list[str]


def submit_over_both(replicas: Replicas) -> Submitted:
    """DESKS x PER_DESK submissions from THREADS threads, the replicas taking turns, so
    that each desk's calls go to both; each dossier is read back on both at once."""
    clients, desks = replicas.clients, replicas.desks

    def submit(k: int) -> Submission:
        here, there = k % 2, (k + 1) % 2
        desk = desks[(k // 2) % DESKS]
        reply = clients[here].stub.SubmitDossier(
            submit_request(f"two-replicas-{k}", desk, k), timeout=30)
        asked = pb.GetDossierRequest(dossier_id=reply.dossier_id)
        return Submission(desk, here, reply, clients[here].stub.GetDossier(asked, timeout=30),
                          clients[there].stub.GetDossier(asked, timeout=30))

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(submit, k) for k in range(DESKS * PER_DESK)]
    return Submitted([f.result() for f in futures if f.exception() is None],
                     [repr(f.exception()) for f in futures if f.exception() is not None])


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """One throw-away database for the module's replicas, on the suite's server (skipped
    or failed as ``postgres_dsn`` is when the server does not answer)."""
    if (problem := postgres_available()) is not None:
        message = f"PostgreSQL at {admin_dsn()} is not available: {problem}"
        if postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    with TemporaryDatabase() as created:
        yield created.dsn


@pytest.fixture(scope="module")
def replicas(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    key = write_master_key_file(tmp_path_factory.mktemp("pii") / "pii-master.key")
    config = DossiersBenchConfig(postgres_dsn=database, desks=DESKS,
                                 options={"LIENTHONG_PII_MASTER_KEY_FILE": str(key)})
    with ReplicaSet(config, database, count=2) as running:
        clients = [DossiersClient(address) for address in running.addresses]
        try:
            yield Replicas(clients, running.desks)
        finally:
            for client in clients:
                client.close()


@pytest.fixture(scope="module")
def submitted(replicas: Replicas) -> Submitted:
    return submit_over_both(replicas)


def identity(dossier: pb.Dossier) -> tuple[str, str, int, int]:
    return (dossier.dossier_id, dossier.dossier_code, dossier.status,
            dossier.submit_time.ToNanoseconds())


def listing(client: DossiersClient) -> list[pb.Dossier]:
    """Every dossier ListDossiers gives, page after page."""
    found: list[pb.Dossier] = []
    token = ""
    while True:
        page = client.stub.ListDossiers(
            pb.ListDossiersRequest(page_size=50, page_token=token), timeout=30)
        found += page.dossiers
        token = page.next_page_token
        if not token:
            return found


def test_codes_stay_gapless_and_each_replica_reads_what_either_saved(
        replicas: Replicas, submitted: Submitted) -> None:
    assert submitted.failed == []

    numbers: dict[str, list[int]] = defaultdict(list)  # per desk and day
    for submission in submitted.done:
        desk_and_day, _, number = submission.reply.dossier_code.rpartition("-")
        assert desk_and_day.startswith(submission.desk.agency_code + "-")
        numbers[desk_and_day].append(int(number))
    for issued in numbers.values():
        assert sorted(issued) == list(range(1, len(issued) + 1))
    per_desk: dict[str, int] = defaultdict(int)
    for desk_and_day, issued in numbers.items():
        per_desk[desk_and_day.rsplit("-", 1)[0]] += len(issued)
    assert per_desk == {desk.agency_code: PER_DESK for desk in replicas.desks}

    for submission in submitted.done:
        assert submission.reply.status == pb.DOSSIER_STATUS_NEW
        assert identity(submission.read_here) == identity(submission.reply)
        assert identity(submission.read_there) == identity(submission.reply)


def test_a_change_on_one_replica_is_read_on_the_other_and_both_list_everything(
        replicas: Replicas, submitted: Submitted) -> None:
    clients = replicas.clients
    # Every fifth dossier (saved by either replica) is received on the other replica,
    # then read on the one that saved it.
    received = []
    for submission in submitted.done[::5]:
        changer, reader = clients[1 - submission.replica], clients[submission.replica]
        dossier_id = submission.reply.dossier_id
        change = changer.stub.ReceiveDossier(
            pb.ReceiveDossierRequest(request_id=f"receive-{dossier_id}", dossier_id=dossier_id),
            timeout=30)
        read = reader.stub.GetDossier(pb.GetDossierRequest(dossier_id=dossier_id), timeout=30)
        assert read.status == change.status == pb.DOSSIER_STATUS_RECEIVED
        assert read.receive_time == change.receive_time
        received.append(dossier_id)

    # The list is a read model: it shows other processes' writes once they are this old.
    time.sleep(DossierIndex.freshness_s)
    for client in clients:
        listed = listing(client)
        assert sorted(d.dossier_id for d in listed) == sorted(
            s.reply.dossier_id for s in submitted.done)
        status = {d.dossier_id: d.status for d in listed}
        assert [status[i] for i in received] == [pb.DOSSIER_STATUS_RECEIVED] * len(received)
