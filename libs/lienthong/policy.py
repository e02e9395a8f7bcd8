"""Who may call which RPC: a deployment's written access rules.

A policy is a YAML file (``LIENTHONG_POLICY_FILE``)::

    roles:                      # a role is a set of callers (patterns, * and ?)
      auditor: ["VN:GOV:000.00.00.G12/*"]
      national-portal: ["VN:GOV:000.00.00.G22/dvc"]
    rules:                      # the first rule that matches allows the call
      - name: communes-read-units
        callers: ["VN:GOV:???.??.??.H26/*"]
        rpcs: ["lienthong.identity.v1.IdentityService/Get*",
               "lienthong.identity.v1.IdentityService/List*"]
      - name: auditors-read-history
        roles: [auditor]
        rpcs: ["lienthong.audit.v1.AuditService/*"]
      - name: communes-handle-their-dossiers
        callers: ["VN:GOV:???.??.??.H26/mot-cua"]
        rpcs: ["lienthong.dossiers.v1.DossierService/*"]
        scope: jurisdiction     # only records of the caller's own units (see below)

A rule's ``scope`` is ``all`` (the default) or ``jurisdiction``: the call may touch only
records of the units the caller's agency code names, and for a province's agency those of
its communes too. The runtime puts the deciding rule in the call's context
(:func:`current_grant`); a service that holds records of units applies it with its own
knowledge of units (the dossiers service does, following merges).

AuditService answers only callers of the role ``auditor``: a rule grants its methods only
through that role, whatever its patterns say, and a rule naming AuditService explicitly
without the role does not validate.

A call no rule allows is refused, PERMISSION_DENIED ``NO_RULE_ALLOWS`` naming the caller and
the method (default deny). A rule names its callers by pattern, by role, or both. The file
is validated as a whole when read; an error names the line (``policy.yaml:7: ...``). The
server looks at the file at most once a second and takes a new version without a restart;
a version that does not validate is logged and the previous one stays in force.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
import yaml

from lienthong.errors import PermissionDenied
from lienthong.watched import WatchedFile

__all__ = ["Grant", "PermissionDenied", "Policy", "PolicyError", "PolicyFile", "current_grant",
           "load_policy"]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

log = structlog.get_logger("lienthong.policy")

#: The reason of a call no rule allows.
NO_RULE_ALLOWS = "NO_RULE_ALLOWS"
#: How often, at most, a server looks whether its policy file changed (seconds).
CHECK_EVERY_S = 1.0
MAX_RULES = 1000
MAX_PATTERNS = 100
MAX_POLICY_BYTES = 1024 * 1024
#: How many (caller, method) decisions a policy keeps.
MAX_DECISIONS_KEPT = 10_000
#: What a rule's ``scope`` may say.
SCOPES = ("all", "jurisdiction")
#: The role that alone may call AuditService, and the service's method prefix.
AUDITOR_ROLE = "auditor"
AUDIT_SERVICE = "lienthong.audit.v1.AuditService/"


class PolicyError(ValueError):
    """The policy file is not valid; the message names the line."""


@dataclass(frozen=True)
class Rule:
    name: str
    callers: tuple[str, ...]
    roles: tuple[str, ...]
    rpcs: tuple[str, ...]
    line: int
    scope: str = "all"


@dataclass(frozen=True)
class Grant:
    """Why a call is allowed: the caller, the rule that allowed it and that rule's scope."""

    caller: str
    rule: str
    scope: str
    policy: str  # the policy's digest

    @property
    def agency_code(self) -> str:
        """The caller's agency code (``VN:GOV:<code>[/<subsystem>]``)."""
        return self.caller.removeprefix("VN:GOV:").partition("/")[0]

    @property
    def limited(self) -> bool:
        """The call may touch only records of the caller's own units."""
        return self.scope == "jurisdiction"


_grant: contextvars.ContextVar[Grant | None] = contextvars.ContextVar("lienthong_grant",
                                                                      default=None)


def current_grant() -> Grant | None:
    """The grant of the call in progress; None where no access policy is in force."""
    return _grant.get()


@contextlib.contextmanager
def granted(grant: Grant | None) -> Iterator[None]:
    """Make ``grant`` the call's grant while the servicer runs."""
    token = _grant.set(grant)
    try:
        yield
    finally:
        _grant.reset(token)


@dataclass(frozen=True)
class Policy:
    roles: dict[str, tuple[str, ...]]
    rules: tuple[Rule, ...]
    #: SHA-256 of the file's bytes: which version decided.
    digest: str

    #: (caller, method) -> the deciding rule: a policy never changes, so each pair is
    #: decided once (bounded: emptied when full).
    _decided: dict[tuple[str, str], Rule | None] = field(
        default_factory=dict, compare=False, repr=False)

    def allows(self, caller: str, method: str) -> Rule | None:
        """The first rule allowing ``caller`` to call ``method`` (``pkg.Service/Method``)."""
        key = (caller, method)
        try:
            return self._decided[key]
        except KeyError:
            pass
        if len(self._decided) >= MAX_DECISIONS_KEPT:
            self._decided.clear()
        rule = self._decide(caller, method.lstrip("/"))
        self._decided[key] = rule
        return rule

    def _decide(self, caller: str, method: str) -> Rule | None:
        audit = method.startswith(AUDIT_SERVICE)
        for rule in self.rules:
            if audit:  # only through the auditor role
                named = AUDITOR_ROLE in rule.roles and self._in_role(caller, AUDITOR_ROLE)
            else:
                named = any(fnmatch.fnmatchcase(caller, p) for p in rule.callers) or any(
                    self._in_role(caller, role) for role in rule.roles)
            if named and any(fnmatch.fnmatchcase(method, p) for p in rule.rpcs):
                return rule
        return None

    def _in_role(self, caller: str, role: str) -> bool:
        return any(fnmatch.fnmatchcase(caller, p) for p in self.roles.get(role, ()))

    def check(self, caller: str, method: str) -> Rule:
        """The rule allowing the call; PermissionDenied when none does."""
        rule = self.allows(caller, method)
        if rule is None:
            msg = f"no rule of the access policy allows {caller} to call {method.lstrip('/')}"
            raise PermissionDenied(msg, reason=NO_RULE_ALLOWS, metadata={"caller": caller,
                                                  "method": method.lstrip("/"),
                                                  "policy": self.digest[:16]})
        return rule

    def grant(self, caller: str, method: str) -> Grant:
        """The grant of an allowed call; PermissionDenied when no rule allows it."""
        rule = self.check(caller, method)
        return Grant(caller, rule.name, rule.scope, self.digest)


def _fail(source: str, node: yaml.Node | None, message: str) -> PolicyError:
    line = node.start_mark.line + 1 if node is not None else 1
    return PolicyError(f"{source}:{line}: {message}")


def _mapping(node: yaml.Node, source: str, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(source, node, f"{what} must be a mapping")
    found: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(key.value, str):
            raise _fail(source, key, f"{what}: keys are names")
        if key.value in found:
            raise _fail(source, key, f"{what}: {key.value!r} is given twice")
        found[key.value] = value
    return found


def _strings(node: yaml.Node, source: str, what: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _fail(source, node, f"{what} must be a non-empty list")
    if len(node.value) > MAX_PATTERNS:
        raise _fail(source, node, f"{what}: at most {MAX_PATTERNS} items")
    values = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip() \
                or item.tag != "tag:yaml.org,2002:str":
            raise _fail(source, item, f"{what}: each item is a non-empty string")
        values.append(item.value)
    return tuple(values)


def load_policy(text: bytes, source: str = "policy") -> Policy:
    """A policy from its YAML; PolicyError naming the line of the first problem."""
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"{source}: at most {MAX_POLICY_BYTES} bytes")
    try:
        root = yaml.compose(text.decode())
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise PolicyError(f"{source}:{line}: not YAML ({error})") from None
    if root is None:
        raise PolicyError(f"{source}:1: empty: a policy has rules (nothing is allowed without)")
    top = _mapping(root, source, "the policy")
    if unknown := sorted(set(top) - {"roles", "rules"}):
        raise _fail(source, root, f"unknown section {unknown[0]!r} (roles, rules)")
    roles = {}
    if "roles" in top:
        for name, patterns in _mapping(top["roles"], source, "roles").items():
            roles[name] = _strings(patterns, source, f"role {name!r}")
    if "rules" not in top:
        raise _fail(source, root, "no rules: a policy says what is allowed")
    rules_node = top["rules"]
    if not isinstance(rules_node, yaml.SequenceNode):
        raise _fail(source, rules_node, "rules must be a list")
    if len(rules_node.value) > MAX_RULES:
        raise _fail(source, rules_node, f"at most {MAX_RULES} rules")
    rules, names = [], set()
    for node in rules_node.value:
        fields = _mapping(node, source, "a rule")
        if unknown := sorted(set(fields) - {"name", "callers", "roles", "rpcs", "scope"}):
            raise _fail(source, fields[unknown[0]], f"unknown field {unknown[0]!r} "
                        "(name, callers, roles, rpcs, scope)")
        name_node = fields.get("name")
        if name_node is None or not isinstance(name_node, yaml.ScalarNode) \
                or not str(name_node.value).strip():
            raise _fail(source, name_node or node, "a rule has a name")
        name = str(name_node.value)
        if name in names:
            raise _fail(source, name_node, f"rule {name!r} is named twice")
        names.add(name)
        callers = _strings(fields["callers"], source, f"rule {name!r}: callers") \
            if "callers" in fields else ()
        rule_roles = _strings(fields["roles"], source, f"rule {name!r}: roles") \
            if "roles" in fields else ()
        if not callers and not rule_roles:
            raise _fail(source, node, f"rule {name!r} names no callers and no roles")
        if missing := [r for r in rule_roles if r not in roles]:
            raise _fail(source, fields["roles"], f"rule {name!r}: no role {missing[0]!r}")
        if "rpcs" not in fields:
            raise _fail(source, node, f"rule {name!r} names no rpcs")
        rpcs = _strings(fields["rpcs"], source, f"rule {name!r}: rpcs")
        if bad := [r for r in rpcs if "/" not in r]:
            raise _fail(source, fields["rpcs"], f"rule {name!r}: {bad[0]!r} is not "
                        "<package>.<Service>/<Method> (patterns allowed)")
        if AUDITOR_ROLE not in rule_roles and [r for r in rpcs if r.startswith(AUDIT_SERVICE)]:
            raise _fail(source, fields["rpcs"], f"rule {name!r}: AuditService answers only "
                        f"the role {AUDITOR_ROLE!r}; name it in the rule's roles")
        scope = "all"
        if "scope" in fields:
            scope_node = fields["scope"]
            scope = str(scope_node.value) if isinstance(scope_node, yaml.ScalarNode) else ""
            if scope not in SCOPES:
                raise _fail(source, scope_node, f"rule {name!r}: scope is one of "
                            f"{', '.join(SCOPES)}")
        rules.append(Rule(name, callers, rule_roles, rpcs, node.start_mark.line + 1, scope))
    return Policy(roles, tuple(rules), hashlib.sha256(text).hexdigest())


class PolicyFile:
    """A policy file a server follows: read at start (an invalid one stops the start), looked
    at again at most every ``CHECK_EVERY_S``, a new valid version taken at once."""

    def __init__(self, path: Path, clock: Any = time.monotonic,
                 on_adopted: Callable[[Policy, bytes, str], None] | None = None) -> None:
        self.path = path
        self._file = WatchedFile(path, every_s=CHECK_EVERY_S, clock=clock)
        self._lock = threading.Lock()
        #: Told of each version taken (the policy, its text, the previous digest or ""):
        #: the service records it as an event.
        self._on_adopted = on_adopted
        self._file.changed()
        text = self._file.content
        self.policy = load_policy(text, str(path))
        if on_adopted is not None:  # a start whose policy cannot be recorded fails
            on_adopted(self.policy, text, "")
        log.info("policy_loaded", path=str(path), digest=self.policy.digest,
                 rules=len(self.policy.rules))

    def current(self) -> Policy:
        with self._lock:
            try:
                if not self._file.changed():
                    return self.policy
            except OSError as error:
                log.error("policy_unreadable", path=str(self.path), error=str(error))
                return self.policy
            text = self._file.content
            try:
                policy = load_policy(text, str(self.path))
            except PolicyError as error:
                log.error("policy_invalid_kept_previous", error=str(error),
                          digest=self.policy.digest)
                return self.policy
            if policy.digest != self.policy.digest:  # not only touched
                self._take(policy, text)
            return self.policy

    def _take(self, policy: Policy, text: bytes) -> None:
        """Take a new version once it is recorded; else keep the previous and try again
        at the next look."""
        try:
            if self._on_adopted is not None:
                self._on_adopted(policy, text, self.policy.digest)
        except Exception as error:  # the store is down: no unrecorded policy in force
            log.error("policy_unrecorded_kept_previous", digest=policy.digest,
                      previous=self.policy.digest, error=f"{type(error).__name__}: {error}")
            self._file.forget()
            return
        log.info("policy_loaded", path=str(self.path), digest=policy.digest,
                 previous=self.policy.digest, rules=len(policy.rules))
        self.policy = policy
