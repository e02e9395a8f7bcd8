"""The registry starts each service after those it follows and refuses contradictions."""

from __future__ import annotations

import pytest

from lienthong.registry import RegistryError, ServiceSpec, _in_start_order, require_whole


def spec(name: str, port: int, *follows: str) -> ServiceSpec:
    return ServiceSpec(name=name, summary=name, module=f"m.{name}", default_port=port,
                       follows=follows)


def order(*specs: ServiceSpec) -> list[str]:
    return [s.name for s in _in_start_order({s.name: s for s in specs})]


def test_services_start_by_port_and_after_the_services_they_follow() -> None:
    assert order(spec("documents", 50051, "signatures", "identity"), spec("identity", 50053),
                 spec("signatures", 50052, "identity")) == ["identity", "signatures", "documents"]


@pytest.mark.parametrize(("specs", "message"), [
    ((spec("a", 1), spec("b", 1)), "both take port 1"),
    ((spec("a", 1, "b"), spec("b", 2, "a")), "cycle"),
    ((spec("tools", 1),), "cannot be called 'tools'"),
    ((spec("nats", 1),), "the platform's own nats workload"),
    # A service's name is a NATS subject token and a stream's name.
    ((spec("land.records", 1),), "cannot be called 'land.records'"),
    ((spec("*", 1),), "cannot be called '\\*'"),
    ((spec("Identity", 1),), "cannot be called 'Identity'"),
    ((ServiceSpec(name="a", summary="a", module="m.a", default_port=1, follows=("b",),
                  durables=(("b", "a.b"),)),), "durable name 'a.b'"),
])
def test_a_contradiction_is_refused_naming_it(specs: tuple[ServiceSpec, ...],
                                              message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        order(*specs)


def test_a_service_installed_alone_is_listed_but_a_whole_platform_needs_what_it_follows(
        ) -> None:
    # An image holds one service: the one that follows identity is still listed ...
    alone = _in_start_order({"dossiers": spec("dossiers", 2, "identity")})
    assert [s.name for s in alone] == ["dossiers"]
    # ... but `lienthong up` (every service on one machine) refuses to start without it.
    with pytest.raises(RegistryError, match="dossiers follows identity, which no package"):
        require_whole(alone)
    require_whole(_in_start_order({"identity": spec("identity", 1),
                                   "dossiers": spec("dossiers", 2, "identity")}))


def test_the_installed_services_are_identity_then_dossiers() -> None:
    from lienthong import registry

    assert registry.names()[:2] == ["identity", "dossiers"]
    with pytest.raises(KeyError, match="registered: identity, dossiers"):
        registry.service("gazette")
