"""What a file must be to be uploaded: its limits from the environment, its name, content
type and size, each chunk's length and position, the digest a client gives."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest

from lienthong.errors import InvalidArgument
from lienthong.files.layout import StoredFile, digest_field, digest_hex
from lienthong.files.limits import (
    CONTENT_TYPES_ENV,
    DEFAULT_CONTENT_TYPES,
    DEFAULT_MAX_FILE_BYTES,
    MAX_CHUNK_BYTES,
    MAX_FILE_BYTES_ENV,
    MAX_NAME_BYTES,
    FileLimits,
    chunk_length,
    chunk_position,
    content_type,
    file_name,
    new_file,
    sha256_hex,
)


def refusal(call: object, *args: object, **kwargs: object) -> tuple[str, str]:
    """The field and rule of the InvalidArgument ``call(*args)`` raises."""
    with pytest.raises(InvalidArgument) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    violation = caught.value.violations[0]
    assert caught.value.reason == violation.rule
    assert caught.value.metadata["field"] == violation.field
    return violation.field, violation.rule


def test_the_default_limits_take_the_documents_of_an_office() -> None:
    limits = FileLimits()
    assert limits.max_file_bytes == DEFAULT_MAX_FILE_BYTES
    assert {"application/pdf", "image/png", "image/jpeg", "image/tiff", "application/xml",
            "application/msword", "application/zip", "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            } == limits.content_types == DEFAULT_CONTENT_TYPES
    with pytest.raises(AttributeError):
        limits.max_file_bytes = 1  # type: ignore[misc]


def test_limits_come_from_the_environment() -> None:
    limits = FileLimits.from_env({MAX_FILE_BYTES_ENV: " 10_485_760 ",
                                  CONTENT_TYPES_ENV: "application/pdf, Image/PNG ,"})
    assert limits == FileLimits(10 * 1024 * 1024, frozenset({"application/pdf", "image/png"}))
    assert FileLimits.from_env({}) == FileLimits()
    assert FileLimits.from_env({MAX_FILE_BYTES_ENV: "", CONTENT_TYPES_ENV: " "}) == FileLimits()


@pytest.mark.parametrize(("environ", "named"), [
    ({MAX_FILE_BYTES_ENV: "ten megabytes"}, MAX_FILE_BYTES_ENV),
    ({MAX_FILE_BYTES_ENV: "0"}, "max_file_bytes"),
    ({CONTENT_TYPES_ENV: "pdf"}, "'pdf'"),
    ({CONTENT_TYPES_ENV: ",,"}, "content_types"),
])
def test_a_malformed_environment_is_refused_naming_what_is_wrong(
        environ: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        FileLimits.from_env(environ)


@pytest.mark.parametrize("name", [
    "Quyết định số 12-QĐ-UBND.pdf", "to trinh (ban cuoi).docx", "a", "bản scan.tiff",
    "x" * MAX_NAME_BYTES, "Đ" * (MAX_NAME_BYTES // 2), "console.pdf", "bao-cao.con",
])
def test_safe_names_are_taken(name: str) -> None:
    assert file_name(name) == name


def test_a_name_is_normalised_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định.pdf")
    assert decomposed != "Quyết định.pdf"
    assert file_name(decomposed) == "Quyết định.pdf"


@pytest.mark.parametrize(("name", "rule"), [
    ("", "NAME_REQUIRED"),
    ("x" * (MAX_NAME_BYTES + 1), "NAME_TOO_LONG"),
    ("Đ" * (MAX_NAME_BYTES // 2 + 1), "NAME_TOO_LONG"),
    ("../etc/passwd", "NAME_CHARACTERS"),
    ("thu-muc/tep.pdf", "NAME_CHARACTERS"),
    ("C:\\tep.pdf", "NAME_CHARACTERS"),
    ("a*b.pdf", "NAME_CHARACTERS"),
    ("dong\nmoi.pdf", "NAME_CHARACTERS"),
    ("nul\x00.pdf", "NAME_CHARACTERS"),
    ("rtl\u202egnp.pdf", "NAME_CHARACTERS"),
    (" leading.pdf", "NAME_FORMAT"),
    ("trailing.pdf ", "NAME_FORMAT"),
    ("trailing-dot.", "NAME_FORMAT"),
    (".", "NAME_FORMAT"),
    ("..", "NAME_FORMAT"),
    (".hidden", "NAME_FORMAT"),
    ("CON", "NAME_RESERVED"),
    ("nul.pdf", "NAME_RESERVED"),
    ("Com1.txt", "NAME_RESERVED"),
    ("nul.tar.gz", "NAME_RESERVED"),
])
def test_unsafe_names_are_refused_naming_the_rule(name: str, rule: str) -> None:
    assert refusal(file_name, name) == ("name", rule)


def test_content_types_are_taken_by_their_media_type_only() -> None:
    limits = FileLimits()
    assert content_type("Application/PDF", limits) == "application/pdf"
    assert content_type("application/xml; charset=utf-8", limits) == "application/xml"
    assert refusal(content_type, "text/html", limits) == ("content_type",
                                                          "CONTENT_TYPE_NOT_ALLOWED")
    assert refusal(content_type, " ", limits) == ("content_type", "CONTENT_TYPE_REQUIRED")
    narrow = FileLimits(content_types=frozenset({"application/pdf"}))
    assert refusal(content_type, "image/png", narrow)[1] == "CONTENT_TYPE_NOT_ALLOWED"


def test_a_new_file_is_checked_whole_and_every_broken_rule_reported() -> None:
    limits = FileLimits(max_file_bytes=1000)
    assert new_file("a.pdf", "application/pdf", 1000, limits).size == 1000
    with pytest.raises(InvalidArgument) as caught:
        new_file("", "text/html", 1001, limits)
    assert [(v.field, v.rule) for v in caught.value.violations] == [
        ("name", "NAME_REQUIRED"), ("content_type", "CONTENT_TYPE_NOT_ALLOWED"),
        ("size", "FILE_TOO_LARGE")]
    assert refusal(new_file, "a.pdf", "application/pdf", 0, limits) == ("size", "SIZE_REQUIRED")
    assert refusal(new_file, "a.pdf", "application/pdf", -5, limits) == ("size",
                                                                         "SIZE_REQUIRED")


def test_a_chunk_holds_one_byte_to_the_chunk_limit() -> None:
    chunk_length(1)
    chunk_length(MAX_CHUNK_BYTES)
    assert refusal(chunk_length, 0) == ("data", "CHUNK_EMPTY")
    assert refusal(chunk_length, MAX_CHUNK_BYTES + 1) == ("data", "CHUNK_TOO_LARGE")


def test_a_chunk_starts_at_the_acknowledged_offset_and_stays_within_the_declared_size() -> None:
    chunk_position(100, 50, acknowledged=100, size=150)
    assert refusal(chunk_position, 0, 50, acknowledged=100, size=150) == ("offset",
                                                                        "OFFSET_MISMATCH")
    with pytest.raises(InvalidArgument) as caught:
        chunk_position(120, 10, acknowledged=100, size=150)
    assert caught.value.metadata["expected_offset"] == "100"
    assert "must be 100" in caught.value.message
    assert refusal(chunk_position, 100, 51, acknowledged=100, size=150) == (
        "data", "DECLARED_SIZE_EXCEEDED")


def test_a_client_digest_is_64_hexadecimal_digits() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert sha256_hex(digest.upper()) == digest
    assert refusal(sha256_hex, digest[:-1]) == ("sha256", "SHA256_FORMAT")
    assert refusal(sha256_hex, "g" * 64) == ("sha256", "SHA256_FORMAT")


def test_the_object_store_digest_field_round_trips() -> None:
    raw = hashlib.sha256(b"van ban").digest()
    field = digest_field(raw)
    assert field.startswith("SHA-256=") and field.endswith("=")
    assert digest_hex(field) == raw.hex() == digest_hex(field.rstrip("="))
    assert digest_hex("") == "" == digest_hex("SHA-256=!!")
    file = StoredFile(name="a.pdf", size=1, sha256=raw.hex(), content_type="application/pdf")
    assert file.digest == field
