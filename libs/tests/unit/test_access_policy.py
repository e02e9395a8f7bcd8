"""The access policy: rules read from YAML with every mistake named by its line; the first
rule that allows a call decides; no rule, no call."""

from __future__ import annotations

import pytest

from lienthong.policy import PermissionDenied, PolicyError, load_policy

POLICY = b"""\
roles:
  auditor: ["VN:GOV:000.00.00.G12/*"]
rules:
  - name: communes-read-units
    callers: ["VN:GOV:???.??.??.H26/*"]
    rpcs: ["lienthong.identity.v1.IdentityService/Get*",
           "lienthong.identity.v1.IdentityService/List*"]
  - name: auditors-read-history
    roles: [auditor]
    rpcs: ["lienthong.audit.v1.AuditService/*"]
"""
COMMUNE = "VN:GOV:000.26.05.H26/mot-cua"
AUDITOR = "VN:GOV:000.00.00.G12/kiem-toan"


def test_the_first_rule_that_allows_a_call_decides_and_nothing_else_is_allowed() -> None:
    policy = load_policy(POLICY, "policy.yaml")

    assert policy.check(COMMUNE, "/lienthong.identity.v1.IdentityService/GetUnit").name == \
        "communes-read-units"
    assert policy.check(AUDITOR, "lienthong.audit.v1.AuditService/ExportEvents").name == \
        "auditors-read-history"
    with pytest.raises(PermissionDenied) as refused:
        policy.check(COMMUNE, "/lienthong.audit.v1.AuditService/ExportEvents")
    assert refused.value.reason == "NO_RULE_ALLOWS"
    assert refused.value.metadata["method"] == "lienthong.audit.v1.AuditService/ExportEvents"
    assert policy.allows(COMMUNE, "lienthong.identity.v1.IdentityService/RegisterUnit") is None
    assert policy.allows("VN:GOV:000.27.01.H27/x", "lienthong.identity.v1.IdentityService/"
                         "GetUnit") is None  # another province's commune


@pytest.mark.parametrize(("text", "message"), [
    (b"rules: []\nextra: 1\n", "policy.yaml:1: unknown section 'extra'"),
    (b"roles: {}\n", "policy.yaml:1: no rules"),
    (b"rules:\n  - name: a\n    rpcs: [\"x/y\"]\n", "policy.yaml:2: rule 'a' names no callers"),
    (b"rules:\n  - name: a\n    roles: [sre]\n    rpcs: [\"x/y\"]\n",
     "policy.yaml:3: rule 'a': no role 'sre'"),
    (b"rules:\n  - name: a\n    callers: [\"*\"]\n    rpcs: [\"GetUnit\"]\n",
     "policy.yaml:4: rule 'a': 'GetUnit' is not <package>.<Service>/<Method>"),
    (b"rules:\n  - name: a\n    callers: [\"*\"]\n    rpcs: [\"x/y\"]\n  - name: a\n"
     b"    callers: [\"*\"]\n    rpcs: [\"x/y\"]\n", "policy.yaml:5: rule 'a' is named twice"),
    (b"rules:\n  - name: a\n    callers: [1]\n    rpcs: [\"x/y\"]\n",
     "policy.yaml:3: rule 'a': callers: each item is a non-empty string"),
    (b"rules: [\n", "policy.yaml:2: not YAML"),
    (b"\xff\xfe", "policy.yaml:1: not YAML"),
    (b"", "policy.yaml:1: empty"),
])
def test_a_policy_that_does_not_validate_is_refused_naming_the_line(
        text: bytes, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        load_policy(text, "policy.yaml")

    assert str(refused.value).startswith(message)


def test_a_rule_may_limit_its_callers_to_their_jurisdiction() -> None:
    policy = load_policy(POLICY + b"""\
  - name: communes-handle-their-dossiers
    callers: ["VN:GOV:???.??.??.H26/*"]
    rpcs: ["lienthong.dossiers.v1.DossierService/*"]
    scope: jurisdiction
""")

    grant = policy.grant(COMMUNE, "/lienthong.dossiers.v1.DossierService/GetDossier")
    assert (grant.rule, grant.agency_code, grant.limited) == \
        ("communes-handle-their-dossiers", "000.26.05.H26", True)
    assert not policy.grant(COMMUNE, "lienthong.identity.v1.IdentityService/GetUnit").limited


def test_audit_service_answers_the_auditor_role_only_whatever_a_pattern_says() -> None:
    policy = load_policy(b"""\
roles:
  auditor: ["VN:GOV:000.00.00.G12/*"]
  sre: ["VN:GOV:000.00.00.G01/*"]
rules:
  - name: sre-may-do-anything
    roles: [sre]
    callers: ["VN:GOV:000.00.00.G12/*"]
    rpcs: ["*/*"]
""")

    assert policy.allows("VN:GOV:000.00.00.G01/ops", "x.y.v1.Z/Anything") is not None
    assert policy.allows("VN:GOV:000.00.00.G01/ops",
                         "lienthong.audit.v1.AuditService/ExportEvents") is None
    # named by pattern, not through the role: no history either
    assert policy.allows(AUDITOR, "lienthong.audit.v1.AuditService/ExportEvents") is None


@pytest.mark.parametrize(("text", "message"), [
    (b"rules:\n  - name: a\n    callers: [\"*\"]\n    rpcs: [\"x/y\"]\n    scope: mine\n",
     "policy.yaml:5: rule 'a': scope is one of all, jurisdiction"),
    (b"rules:\n  - name: a\n    callers: [\"*\"]\n"
     b"    rpcs: [\"lienthong.audit.v1.AuditService/ExportEvents\"]\n",
     "policy.yaml:4: rule 'a': AuditService answers only the role 'auditor'"),
])
def test_a_scope_or_an_audit_grant_that_cannot_hold_is_refused_naming_the_line(
        text: bytes, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        load_policy(text, "policy.yaml")

    assert str(refused.value).startswith(message)


def test_a_decision_taken_once_is_kept_and_the_kept_ones_are_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lienthong.policy

    monkeypatch.setattr(lienthong.policy, "MAX_DECISIONS_KEPT", 3)
    policy = load_policy(POLICY)
    method = "lienthong.identity.v1.IdentityService/GetUnit"

    for i in range(10):
        assert policy.allows(f"VN:GOV:000.26.{i:02d}.H26/x", method) is not None
        assert policy.allows(f"VN:GOV:000.27.{i:02d}.H27/x", method) is None
    assert len(policy._decided) <= 3
    assert policy.allows(COMMUNE, "/" + method) == policy.allows(COMMUNE, method)
