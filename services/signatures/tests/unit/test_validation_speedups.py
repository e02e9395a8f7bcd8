"""The faster readers the validation installs give what pyHanko's and asn1crypto's own
routines give, and leave anything unusual to those routines."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509 as asn1_x509
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


def name(common_name: str, *, printable: bool = False) -> asn1_x509.Name:
    """A name parsed from its encoding, as a certificate's are."""
    built = asn1_x509.Name.build({"country_name": "VN", "organization_name": "UBND",
                                  "common_name": common_name}, use_printable=printable)
    return asn1_x509.Name.load(built.dump())


def as_directory_name(value: asn1_x509.Name) -> asn1_x509.Name:
    """The same name where a certificate's issuer serial holds it: tagged [4]."""
    general = asn1_x509.GeneralName(name="directory_name", value=value)
    return asn1_x509.GeneralName.load(general.dump()).chosen


@pytest.mark.parametrize(("first", "second"), [
    (name("Lienthong Issuing CA"), name("Lienthong Issuing CA")),
    # Another string type, case and spacing: the same name by RFC 5280's rules.
    (name("Lienthong Issuing CA", printable=True), name("  lienthong   ISSUING ca")),
    (name("Lienthong Issuing CA"), name("Lienthong Root CA")),
    (name("Ủy ban nhân dân xã Hòa An"), name("Uy ban nhan dan xa Hoa An")),
    (as_directory_name(name("Lienthong TSA")), name("Lienthong TSA")),
    (as_directory_name(name("Lienthong TSA")), name("lienthong tsa", printable=True)),
    (as_directory_name(name("Lienthong TSA")), name("Lienthong Root CA")),
])
def test_two_names_compare_as_asn1crypto_compares_them(first: asn1_x509.Name,
                                                       second: asn1_x509.Name) -> None:
    library = speedups._library_names_equal(first, second)

    assert speedups.names_equal(first, second) is library
    assert speedups.names_equal(second, first) is library
    assert speedups.names_equal(first, second) is library  # kept, the same answer


def test_a_name_is_not_equal_to_what_is_no_name() -> None:
    assert speedups.names_equal(name("Lienthong TSA"), "Lienthong TSA") is False


def test_installing_puts_the_readers_in_the_libraries_place_once() -> None:
    speedups.install()
    speedups.install()

    assert generic.read_hex_string_from_stream is speedups.read_hex_string
    assert asn1_x509.Name.__eq__ is speedups.names_equal
    assert name("Lienthong TSA") == name("LIENTHONG TSA", printable=True)
    assert name("Lienthong TSA") != name("Lienthong Root CA")
    parsed = generic.read_object(io.BytesIO(b"<4142> "), generic.Reference(1, 0))
    assert parsed == "AB"
