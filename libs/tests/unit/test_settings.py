"""An SRE sets a service up with LIENTHONG_* variables."""

from __future__ import annotations

import pytest

from lienthong.config import ServiceMismatchError, load_settings


def test_the_relay_and_stream_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LIENTHONG_STREAM_REPLICAS", "3")
    monkeypatch.setenv("LIENTHONG_STREAM_DUPLICATE_WINDOW_S", "300")
    monkeypatch.setenv("LIENTHONG_RELAY_GAP_TIMEOUT_S", "2.5")
    monkeypatch.setenv("LIENTHONG_NATS_URL", "nats://nats.lienthong:4222")

    settings = load_settings("identity")

    assert (settings.stream_replicas, settings.stream_duplicate_window_s,
            settings.relay_gap_timeout_s) == (3, 300.0, 2.5)
    assert settings.nats_url == "nats://nats.lienthong:4222"


def test_unset_replicas_leave_an_existing_stream_as_it_is(monkeypatch) -> None:
    monkeypatch.delenv("LIENTHONG_STREAM_REPLICAS", raising=False)
    monkeypatch.delenv("LIENTHONG_NATS_URL", raising=False)

    settings = load_settings("identity")

    assert settings.stream_replicas is None
    assert settings.nats_url == ""  # no NATS: events stay in the store, unpublished


def test_a_process_is_the_service_its_entry_point_names(monkeypatch) -> None:
    monkeypatch.delenv("LIENTHONG_SERVICE", raising=False)

    assert load_settings("dossiers").service == "dossiers"


def test_the_environment_may_repeat_the_service_name_but_not_contradict_it(monkeypatch) -> None:
    monkeypatch.setenv("LIENTHONG_SERVICE", "dossiers")
    assert load_settings("dossiers").service == "dossiers"

    with pytest.raises(ServiceMismatchError,
                       match="identity service, but LIENTHONG_SERVICE=dossiers"):
        load_settings("identity")


def test_there_is_no_default_service(monkeypatch) -> None:
    monkeypatch.setenv("LIENTHONG_SERVICE", "identity")

    with pytest.raises(ServiceMismatchError, match="named service"):
        load_settings("")
