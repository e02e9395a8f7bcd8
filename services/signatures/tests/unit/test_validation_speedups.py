"""The faster readers the validation installs give what pyHanko's and asn1crypto's own
routines give, and leave anything unusual to those routines."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from lienthong.services.signatures.validation import speedups


def both_read(data: bytes) -> tuple[tuple[object, int], tuple[object, int]]:
    """(value, stream position after) from pyHanko's reader and from ours."""
    answers = []
    for reader in (speedups._library_read_hex, speedups.read_hex_string):
        stream = io.BytesIO(data)
        value = reader(stream)
        answers.append((value, stream.tell()))
    return answers[0], answers[1]


@pytest.mark.parametrize("data", [
    b"<48656c6c6f>",
    b"<48 65\n6C\r\n6c\t6f\x00\x0c> /Next 1",
    b"<123>trailing",
    b"<>",
    b"<FEFF00480069>",
    b"<" + b"3082" * 40_000 + b">>",  # longer than a block, then more of the PDF
])
def test_a_hex_string_reads_as_pyhanko_reads_it(data: bytes) -> None:
    library, ours = both_read(data)

    assert ours == library
    assert type(ours[0]) is type(library[0])


def test_a_comment_in_a_hex_string_is_read_by_pyhanko() -> None:
    library, ours = both_read(b"<4865 % a comment with a > in it\n6c6c6f> rest")

    assert ours == library
    assert ours[0] == "Hello"


@pytest.mark.parametrize(("data", "error"), [
    (b"<48G5>", "Unexpected token in hex string"),
    (b"<4865", "Stream ended prematurely"),
])
def test_a_broken_hex_string_fails_as_pyhanko_fails(data: bytes, error: str) -> None:
    with pytest.raises(PdfStreamError, match=error) as library:
        speedups._library_read_hex(io.BytesIO(data))
    with pytest.raises(PdfStreamError, match=error) as ours:
        speedups.read_hex_string(io.BytesIO(data))

    assert str(ours.value) == str(library.value)


@pytest.mark.parametrize("value", [
    "Ủy ban nhân dân xã Hòa An",
    "  UBND   tỉnh\u00adLâm Đồng ",
    "Nguyễn\tThị\u200bLan",
    "",
])
def test_a_name_value_is_prepared_as_asn1crypto_prepares_it(value: str) -> None:
    assert speedups.prepared(value) == speedups._library_prep(None, value)


def test_installing_puts_the_readers_in_the_libraries_place_once() -> None:
    speedups.install()
    speedups.install()

    assert generic.read_hex_string_from_stream is speedups.read_hex_string
    parsed = generic.read_object(io.BytesIO(b"<4142> "), generic.Reference(1, 0))
    assert parsed == "AB"
