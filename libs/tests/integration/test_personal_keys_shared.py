"""Two services on one database seal for the same new person at once: one key is kept for
that person, and what either sealed opens with both. A person's first sealing costs one
statement on PostgreSQL. On SQLite and PostgreSQL, through the application's own tables."""

from __future__ import annotations

import secrets
import threading
from typing import Any

from lienthong.eventstore import ServiceApplication
from lienthong.personal import ERASED, SubjectKeys

FIELDS = {"full_name": "Trần Thị Bình", "phone": "0987654321"}


def test_replicas_sealing_for_one_new_person_at_once_share_one_key(
        event_store_url: str) -> None:
    master = secrets.token_bytes(32)
    apps = [ServiceApplication(event_store_url) for _ in range(2)]  # kept: they own the pools
    replicas = [SubjectKeys(app, master) for app in apps]
    pins = [f"0011900{n:05d}" for n in range(20)]
    sealed: list[Any] = []
    start = threading.Barrier(4)

    def seal_all(keys: SubjectKeys) -> None:
        start.wait(5)
        sealed.extend((pin, keys.seal(pin, FIELDS)) for pin in pins)

    threads = [threading.Thread(target=seal_all, args=(keys,))
               for keys in replicas for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(sealed) == 4 * len(pins)
    for pin in pins:
        key_ids = {value.key_id for p, value in sealed if p == pin}
        assert len(key_ids) == 1, f"{pin} got {len(key_ids)} keys"
    for _, value in sealed:
        assert all(keys.open(value) == FIELDS for keys in replicas)


def test_a_person_sealed_again_keeps_the_key_until_erased(event_store_url: str) -> None:
    app = ServiceApplication(event_store_url)
    keys = SubjectKeys(app, secrets.token_bytes(32))
    first = keys.seal("079185000001", FIELDS)
    again = keys.seal("079185000001", FIELDS)
    assert again.key_id == first.key_id and again.nonce != first.nonce

    keys.erase("079185000001")
    back = keys.seal("079185000001", FIELDS)

    assert back.key_id != first.key_id
    assert keys.open(first) is ERASED and keys.open(back) == FIELDS


def test_a_new_persons_key_is_stored_and_read_in_one_statement(postgres_dsn: str) -> None:
    app = ServiceApplication(postgres_dsn)
    keys = SubjectKeys(app, secrets.token_bytes(32))
    statements = count_statements(keys)

    keys.seal("001090012345", FIELDS)
    assert statements == ["add"]
    keys.seal("001090012345", FIELDS)
    assert statements == ["add", "add"]


def count_statements(keys: SubjectKeys) -> list[str]:
    """The key table's calls of ``keys``, by name, from now on."""
    calls: list[str] = []
    store = keys.store
    for name in ("add", "get", "delete"):
        method = getattr(store, name)

        def counted(*args: Any, _name: str = name, _method: Any = method) -> Any:
            calls.append(_name)
            return _method(*args)
        setattr(store, name, counted)
    return calls
