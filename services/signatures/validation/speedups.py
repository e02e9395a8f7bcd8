"""Faster equivalents of the library routines that dominated a signature's validation.

Installed by :func:`install` when the validation package is imported (the service's
signing imports it too); each gives the same result as the routine it replaces, which
stays the answer for anything unusual:

* pyHanko reads a PDF hex string one byte at a time through a generator; a signature's
  ``/Contents`` is 16 to 64 KiB of hex, and reading them took 40% of a PDF's
  validation. :func:`read_hex_string` reads up to the closing ``>`` in blocks and
  decodes it at once; a hex string holding anything but hex digits and whitespace
  (a comment, a stray byte, no closing ``>``) is read again by pyHanko's own routine,
  which gives its own answer or error.
* asn1crypto prepares a name's attribute values (RFC 4518) again for every freshly
  parsed certificate: a validation parses the same few certificates from the document
  and compares their names hundreds of times. :func:`prepared` keeps the preparation
  of each string once per process (a bounded cache): it depends on the string alone.
* asn1crypto compares two names (RFC 5280, 7.1) attribute by attribute, each through
  its parsed value, and a validation compares the same few names (of the platform's
  CAs, the signer's) some eighty times: a quarter of a PDF's validation.
  :func:`names_equal` answers at once for two names of the same encoding, and keeps the
  library's answer for each pair of encodings (a bounded cache): it depends on their
  bytes alone.
"""

from __future__ import annotations

import binascii
import functools
import os
from typing import IO, Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

#: How much of the stream is read at a time looking for a hex string's end.
BLOCK_BYTES = 64 * 1024
#: Distinct attribute values whose preparation is kept.
PREPARED_STRINGS = 4096
#: Pairs of differently encoded names whose comparison is kept.
COMPARED_NAMES = 4096

_HEX_AND_WHITESPACE = generic.HEX_DIGITS + PDF_WHITESPACE
_library_read_hex = generic.read_hex_string_from_stream
_library_prep = asn1_x509.NameTypeAndValue._ldap_string_prep
_library_names_equal = asn1_x509.Name.__eq__


def read_hex_string(stream: IO[bytes]) -> Any:
    """What ``pyhanko.pdf_utils.generic.read_hex_string_from_stream`` reads, at once."""
    start = stream.tell()
    stream.read(1)  # the opening "<"
    blocks = []
    while True:
        block = stream.read(BLOCK_BYTES)
        if not block:  # no closing ">": the library says what is wrong
            stream.seek(start, os.SEEK_SET)
            return _library_read_hex(stream)
        end = block.find(b">")
        if end >= 0:
            blocks.append(block[:end])
            stream.seek(end + 1 - len(block), os.SEEK_CUR)
            break
        blocks.append(block)
    digits = b"".join(blocks)
    if digits.translate(None, _HEX_AND_WHITESPACE):  # a comment or a stray byte
        stream.seek(start, os.SEEK_SET)
        return _library_read_hex(stream)
    digits = digits.translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


@functools.lru_cache(maxsize=PREPARED_STRINGS)
def prepared(string: str) -> str:
    """RFC 4518's preparation of an attribute value, as asn1crypto makes it."""
    return _library_prep(None, string)


def _prep(self: asn1_x509.NameTypeAndValue, string: str) -> str:
    return prepared(string)


@functools.lru_cache(maxsize=COMPARED_NAMES)
def _encodings_name_the_same(first: bytes, second: bytes) -> bool:
    return bool(asn1_x509.RDNSequence.load(first) == asn1_x509.RDNSequence.load(second))


def names_equal(self: asn1_x509.Name, other: object) -> bool:
    """What ``asn1crypto.x509.Name.__eq__`` answers (the library compares the names'
    relative distinguished name sequences): the same encoding of the sequence is the same
    name, whatever tag the name carries where it is; two encodings are compared once."""
    if not isinstance(other, asn1_x509.Name):
        return False
    first, second = self.chosen.dump(), other.chosen.dump()
    if first == second:
        return True
    return _encodings_name_the_same(*sorted((first, second)))


def install() -> None:
    """Put the faster routines in the libraries' place (again: no change)."""
    generic.read_hex_string_from_stream = read_hex_string
    asn1_x509.NameTypeAndValue._ldap_string_prep = _prep
    asn1_x509.Name.__eq__ = names_equal  # type: ignore[method-assign,assignment]
