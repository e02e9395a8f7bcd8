"""The chart follows the registry of services (``python -m lienthong.registry``).

Its values list one entry per registered service at the service's default port (its
``httpPort`` at the registered ``http_port``), its templates render whatever entries
there are without naming any, and its schema describes a service once ($defs/service),
accepting a setting that only one service takes (that service's ``chart_settings``)
only under that service.
A service registered without a chart entry, or the reverse, fails here by name.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from lienthong import registry
from lienthong.devtools.chartcheck import (
    CHART,
    VALUES_FILES,
    HelmError,
    lint,
    policy_violations,
    render,
)
from lienthong.devtools.chartcheck import schema_errors as kubernetes_schema_errors
from lienthong.devtools.helmbin import helm_path

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
SPECS = registry.services()
#: Every setting some service takes alone, and the services that take it.
OWN_SETTINGS: dict[str, set[str]] = {}
for _spec in SPECS:
    for _setting in _spec.chart_settings:
        OWN_SETTINGS.setdefault(_setting, set()).add(_spec.name)


def disagreements(chart: dict[str, Any], specs: tuple[registry.ServiceSpec, ...]) -> list[str]:
    """How the chart's `services` and the registry differ, one sentence per service."""
    registered = {spec.name: spec.default_port for spec in specs}
    http_ports = {spec.name: spec.http_port for spec in specs}
    calls = {spec.name: list(spec.calls) for spec in specs}
    found = []
    for name, port in registered.items():
        if name not in chart:
            found.append(f"{name} is registered (port {port}) but values.yaml has no "
                         f"services.{name}")
        elif chart[name].get("port") != port:
            found.append(f"services.{name}.port is {chart[name].get('port')}, but {name} is "
                         f"registered at {port}")
        elif (chart[name].get("httpPort") or 0) != http_ports[name]:
            found.append(f"services.{name}.httpPort is {chart[name].get('httpPort') or 0}, but "
                         f"{name}'s HTTP port is registered as {http_ports[name]}")
        elif sorted(chart[name].get("calls") or []) != sorted(calls[name]):
            found.append(f"services.{name}.calls is {chart[name].get('calls') or []}, but "
                         f"{name} is registered calling {calls[name]}")
    found += [f"services.{name} is in values.yaml but no package registers {name}"
              for name in chart if name not in registered]
    return found


def test_the_charts_services_are_the_registered_ones_at_their_ports() -> None:
    assert disagreements(VALUES["services"], SPECS) == []


def test_a_service_missing_from_either_list_or_at_another_port_is_named() -> None:
    chart = copy.deepcopy(VALUES["services"])
    chart["identity"]["port"] = 50099
    chart["ledger"] = chart.pop("dossiers")
    extra = registry.ServiceSpec(name="registry", summary="",
                                 module="lienthong.services.registry", default_port=50057)
    gazette = registry.ServiceSpec(name="gazette", summary="", module="lienthong.services.gazette",
                                   default_port=50058, http_port=8095)
    chart["gazette"] = {**copy.deepcopy(chart["identity"]), "port": 50058, "httpPort": 8096}
    chart["documents"]["calls"] = []

    assert disagreements(chart, (*SPECS, extra, gazette)) == [
        "services.identity.port is 50099, but identity is registered at 50051",
        "dossiers is registered (port 50052) but values.yaml has no services.dossiers",
        "services.documents.calls is [], but documents is registered calling ['signatures']",
        "registry is registered (port 50057) but values.yaml has no services.registry",
        "services.gazette.httpPort is 8096, but gazette's HTTP port is registered as 8095",
        "services.ledger is in values.yaml but no package registers ledger",
    ]


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_values_file_tunes_only_registered_services(values_file: str) -> None:
    tuned = yaml.safe_load((CHART / values_file).read_text()).get("services") or {}

    assert sorted(set(tuned) - set(registry.names())) == []


# -- the schema ---------------------------------------------------------------------------

def test_the_schema_describes_a_service_once_and_names_none() -> None:
    services = SCHEMA["properties"]["services"]

    # Every entry, whatever its name, is checked against the one definition...
    assert services["additionalProperties"] == {"$ref": "#/$defs/service"}
    assert "properties" not in services and "required" not in services
    assert SCHEMA["$defs"]["service"]["additionalProperties"] is False
    # ...and a service is a key of the schema only as the owner of a setting of its own.
    def keys_named_after_a_service(node: Any, path: tuple) -> list[tuple]:
        if isinstance(node, list):
            return [k for i, item in enumerate(node)
                    for k in keys_named_after_a_service(item, (*path, i))]
        if not isinstance(node, dict):
            return []
        return [*((*path, key) for key in node if key in registry.names()),
                *(k for key, value in node.items()
                  for k in keys_named_after_a_service(value, (*path, key)))]

    owners = [("properties", "services", "allOf", i, "properties", name)
              for i, rule in enumerate(services["allOf"]) for name in rule["properties"]]
    assert keys_named_after_a_service(SCHEMA, ()) == owners


def test_the_schemas_own_settings_are_the_registrys() -> None:
    """Each rule of services.allOf: the setting it keeps to its owners, who declare it."""
    kept: dict[str, set[str]] = {}
    for rule in SCHEMA["properties"]["services"]["allOf"]:
        refused = rule["additionalProperties"]["properties"]
        assert all(schema is False for schema in refused.values())
        for setting in refused:
            kept[setting] = set(rule["properties"])

    assert kept == OWN_SETTINGS
    assert set(OWN_SETTINGS) <= set(SCHEMA["$defs"]["service"]["properties"])


def with_setting(service: str, setting: str) -> dict[str, Any]:
    """values.yaml's own example of the setting (under its owner), put under `service`."""
    [owner] = sorted(OWN_SETTINGS[setting])[:1]
    block = VALUES["services"][owner][setting]
    return {"services": {service: {setting: copy.deepcopy(block)}}}


def helm_lint(tmp_path: Path, values: dict[str, Any]) -> str:
    """`helm lint --strict` with the chart's values and these on top (an operator's -f);
    HelmError with everything helm said (it gives the schema's reasons on stdout)."""
    path = tmp_path / "operator-values.yaml"
    path.write_text(yaml.safe_dump(values))
    done = subprocess.run([helm_path(), "lint", "--strict", str(CHART), "-f", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HelmError(done.stdout + done.stderr)
    return done.stdout


def merged(values: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(VALUES)
    for name, entry in values["services"].items():
        result["services"].setdefault(name, {}).update(entry)
    return result


@pytest.mark.parametrize(("service", "setting"), [
    (spec.name, setting) for spec in SPECS for setting in sorted(OWN_SETTINGS)])
def test_a_services_own_setting_is_accepted_only_under_that_service(
        tmp_path: Path, service: str, setting: str) -> None:
    values = with_setting(service, setting)
    takes_it = service in OWN_SETTINGS[setting]
    # Helm 4's validator, and a second draft-07 implementation (Helm 3 has another one).
    draft7 = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(merged(values)))

    if takes_it:
        assert "0 chart(s) failed" in helm_lint(tmp_path, values)
        assert draft7 == []
    else:
        with pytest.raises(HelmError) as refused:
            helm_lint(tmp_path, values)
        assert f"/services/{service}/{setting}" in str(refused.value) or (
            f"services.{service}.{setting}" in str(refused.value)), str(refused.value)
        assert draft7 and all(list(e.absolute_path)[:2] == ["services", service]
                              for e in draft7)


def test_identity_refuses_a_portal_block_and_dossiers_takes_one(tmp_path: Path) -> None:
    portal = {"url": "https://portal.example.invalid/api",
              "tokenSecret": {"name": "lienthong-portal-token", "key": "token"}}

    with pytest.raises(HelmError) as refused:
        helm_lint(tmp_path, {"services": {"identity": {"portal": portal}}})
    assert "/services/identity/portal" in str(refused.value)

    assert "0 chart(s) failed" in helm_lint(tmp_path, {"services": {"dossiers": {
        "portal": portal}}})


def test_the_schema_is_valid_draft_07() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    for values_file in VALUES_FILES:
        values = copy.deepcopy(VALUES)
        for name, entry in (yaml.safe_load((CHART / values_file).read_text()).get(
                "services") or {}).items():
            values["services"][name].update(entry)
        assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(values)) == []


@pytest.mark.parametrize("name", ["Archive", "archive-2", "2fa", "lưu_trữ"])
def test_a_service_name_the_objects_and_packages_cannot_take_is_refused(
        tmp_path: Path, name: str) -> None:
    entry = copy.deepcopy(VALUES["services"]["identity"])

    with pytest.raises(HelmError):
        helm_lint(tmp_path, {"services": {name: entry}})


# -- the templates ---------------------------------------------------------------------------

def test_the_templates_name_no_service() -> None:
    named = [f"{path.relative_to(CHART)}:{number}: {line.strip()}"
             for path in sorted((CHART / "templates").rglob("*")) if path.is_file()
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if any(re.search(rf"\b{re.escape(name)}\b", line) for name in registry.names())]

    assert named == []


def test_a_new_service_is_one_values_entry(tmp_path: Path) -> None:
    """A service registered after this chart was written: its entry, and nothing else."""
    entry = copy.deepcopy(VALUES["services"]["identity"])
    entry["port"] = 50057
    values = tmp_path / "archive.yaml"
    values.write_text(yaml.safe_dump({"services": {"archive": entry}}))

    assert "0 chart(s) failed" in lint(str(values))
    objects = render(str(values))

    named = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for kind in ("ServiceAccount", "ConfigMap", "Deployment", "Service",
                 "PodDisruptionBudget", "NetworkPolicy"):
        assert (kind, "lienthong-archive") in named, kind
    [hook] = [o for o in objects if o["kind"] == "Pod"]
    args = hook["spec"]["containers"][0]["command"]
    assert args[args.index("--archive") + 1] == "lienthong-archive:50057"
    [smoke_policy] = [o for o in objects if o["kind"] == "NetworkPolicy"
                      and o["metadata"]["name"] == "lienthong-smoke-test"]
    assert {"protocol": "TCP", "port": 50057} in smoke_policy["spec"]["egress"][1]["ports"]
    assert kubernetes_schema_errors(objects, versions=("1.33.0",)) == []
    assert [str(v) for v in policy_violations(objects)] == []
