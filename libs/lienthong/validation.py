"""Collect every broken rule of a request before refusing it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from lienthong.errors import FieldViolation, InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Violations:
    """A request's field violations, raised together as one InvalidArgument."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, rule: str, description: str) -> None:
        self.items.append(FieldViolation(field, rule, description))

    def check(self, parse: Callable[[], T]) -> T | None:
        """Run a parser; keep its violations instead of raising them at once."""
        try:
            return parse()
        except InvalidArgument as error:
            self.items.extend(error.violations)
            return None

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(list(self.items))


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except (ValueError, AttributeError):
        raise InvalidArgument.single(field, "UUID_FORMAT",
                                     f"must be a UUID, got {value!r}") from None


def page_size(requested: int, field: str = "page_size") -> int:
    """AIP-158: 0 means the default, above the maximum is capped, negative is refused."""
    if requested < 0:
        raise InvalidArgument.single(field, "PAGE_SIZE_NEGATIVE", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def query_fingerprint(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_page_token(offset: int, query: dict[str, Any]) -> str:
    raw = json.dumps({"o": offset, "q": query_fingerprint(query)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, query: dict[str, Any], field: str = "page_token") -> int:
    """The offset a page token stands for; it must come from the same query."""
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, fingerprint = int(data["o"]), str(data["q"])
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument.single(field, "PAGE_TOKEN_INVALID",
                                     "is not a token this service issued") from None
    if fingerprint != query_fingerprint(query) or offset < 0:
        raise InvalidArgument.single(field, "PAGE_TOKEN_MISMATCH",
                                     "was issued for a different query; "
                                     "repeat the filters of the first page")
    return offset


@dataclass(frozen=True)
class PageRequest:
    """One page asked of a list (AIP-158): where it starts, how long it is, for which query."""

    query: dict[str, Any]
    offset: int
    limit: int

    @classmethod
    def of(cls, size: int, token: str, query: dict[str, Any]) -> PageRequest:
        """Check the page size and the token (issued for this very query)."""
        limit = page_size(size)
        return cls(query, decode_page_token(token, query), limit)

    def cut(self, items: Sequence[T]) -> tuple[list[T], str]:
        """This page of ``items``, and the token of the next one ("" at the end)."""
        end = self.offset + self.limit
        return list(items[self.offset:end]), (encode_page_token(end, self.query)
                                              if end < len(items) else "")
