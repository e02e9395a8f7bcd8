"""Stories of the time-stamping authority, asked and checked by ``openssl ts``.

A clerk time-stamps a decision before it is published: ``openssl ts -query`` asks, the
TSA answers, and ``openssl ts -verify`` accepts the token for that file (and no other)
against the platform's root. A request the TSA does not take is rejected with the reason
RFC 3161 names, and bytes that are no request with badDataFormat, never an exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from typing import TYPE_CHECKING

import pytest
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.errors import InvalidArgument
from lienthong.services.signatures.pki import ca, profile, tsa
from lienthong.signing import SoftwareSigner
from lienthong.testing.refusals import violations

if TYPE_CHECKING:
    from pathlib import Path

OPENSSL = "/usr/bin/openssl"
DECISION = "Quyết định số 12/QĐ-UBND về việc thành lập phường Ba Đình\n".encode()
#: The TSA's clock in these stories: now (openssl checks the certificates at its own now),
#: at a quarter past a second.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=250000)


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(cert.public_bytes(serialization.Encoding.PEM)
                              for cert in certificates))
    return path


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=30)


@pytest.fixture(scope="module")
def root_signer() -> SoftwareSigner:
    return SoftwareSigner(rsa.generate_private_key(65537, 2048))


@pytest.fixture(scope="module")
def root(root_signer: SoftwareSigner) -> x509.Certificate:
    return ca.create_root(root_signer, name("Root"), not_before=NOW - dt.timedelta(days=1))


@pytest.fixture(scope="module")
def issuing_signer() -> SoftwareSigner:
    return SoftwareSigner(ec.generate_private_key(ec.SECP384R1()))


@pytest.fixture(scope="module")
def issuing(root_signer: SoftwareSigner, root: x509.Certificate,
            issuing_signer: SoftwareSigner) -> x509.Certificate:
    return ca.create_issuing_ca(root_signer, root, issuing_signer, name("Issuing CA"),
                                not_before=NOW - dt.timedelta(days=1))


@pytest.fixture(scope="module", params=["rsa", "p256", "p384"])
def tsa_signer(request: pytest.FixtureRequest) -> SoftwareSigner:
    keys = {"rsa": lambda: rsa.generate_private_key(65537, 2048),
            "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "p384": lambda: ec.generate_private_key(ec.SECP384R1())}
    return SoftwareSigner(keys[request.param]())


@pytest.fixture(scope="module")
def tsa_cert(issuing_signer: SoftwareSigner, issuing: x509.Certificate,
             tsa_signer: SoftwareSigner) -> x509.Certificate:
    return ca.issue_certificate(issuing_signer, issuing, tsa_signer.public_key(),
                                profile.tsa_profile(name("Lienthong TSA")),
                                not_before=NOW - dt.timedelta(hours=1))


@pytest.fixture
def authority(tsa_signer: SoftwareSigner, tsa_cert: x509.Certificate,
              issuing: x509.Certificate) -> tsa.TimeStampAuthority:
    return tsa.TimeStampAuthority(tsa_signer, tsa_cert, [issuing],
                                  accuracy=dt.timedelta(seconds=1, milliseconds=500))


class Clerk:
    """Someone with a file to time-stamp, the PEM files of the PKI and ``openssl ts``."""

    def __init__(self, folder: Path, root: x509.Certificate, issuing: x509.Certificate,
                 tsa_cert: x509.Certificate) -> None:
        self.folder = folder
        self.document = folder / "decision.txt"
        self.document.write_bytes(DECISION)
        self.root = pem(folder / "root.pem", root)
        self.chain = pem(folder / "tsa_chain.pem", tsa_cert, issuing)

    def query(self, *options: str, out: str = "req.tsq") -> Path:
        path = self.folder / out
        result = openssl("ts", "-query", "-data", self.document, *options, "-out", path)
        assert result.returncode == 0, result.stderr
        return path

    def stamp(self, authority: tsa.TimeStampAuthority, query: Path, serial: int = 1) -> Path:
        path = self.folder / "resp.tsr"
        path.write_bytes(authority.respond(query.read_bytes(), NOW, serial))
        return path

    def verify(self, reply: Path, *against: str | Path) -> subprocess.CompletedProcess[str]:
        return openssl("ts", "-verify", *(against or ("-data", self.document)), "-in", reply,
                       "-CAfile", self.root, "-untrusted", self.chain)

    def read(self, reply: Path) -> str:
        return openssl("ts", "-reply", "-in", reply, "-text").stdout


@pytest.fixture
def clerk(tmp_path: Path, root: x509.Certificate, issuing: x509.Certificate,
          tsa_cert: x509.Certificate) -> Clerk:
    return Clerk(tmp_path, root, issuing, tsa_cert)


def test_a_time_stamped_file_verifies_against_the_root(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    serial = 20260115001  # the day's counter
    reply = clerk.stamp(authority, clerk.query("-sha256", "-cert"), serial=serial)

    result = clerk.verify(reply)

    assert result.stdout.strip() == "Verification: OK", result.stdout + result.stderr
    text = clerk.read(reply)
    assert "Status: Granted." in text
    assert f"Serial number: 0x{serial:010X}" in text
    assert f"Time stamp: {NOW:%b} {NOW.day:2d} {NOW:%H:%M:%S}.25 {NOW:%Y} GMT" in text
    assert "Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros" in text
    assert f"Policy OID: {tsa.TSA_POLICY_OID}" in text
    assert "TSA: DirName:/C=VN/CN=Lienthong TSA" in text


def test_another_file_does_not_verify_with_the_token(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    reply = clerk.stamp(authority, clerk.query("-sha256", "-cert"))
    altered = clerk.folder / "altered.txt"
    altered.write_bytes(DECISION.replace(b"12", b"13"))

    result = clerk.verify(reply, "-data", altered)

    assert "Verification: FAILED" in result.stdout
    assert "message imprint mismatch" in result.stderr


def test_the_token_answers_the_request_its_nonce_and_imprint(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    query = clerk.query("-sha512", "-cert")
    other = clerk.query("-sha512", "-cert", out="other.tsq")  # another nonce
    reply = clerk.stamp(authority, query)

    assert clerk.verify(reply, "-queryfile", query).stdout.strip() == "Verification: OK"
    refused = clerk.verify(reply, "-queryfile", other)
    assert "Verification: FAILED" in refused.stdout
    assert "nonce mismatch" in refused.stderr


@pytest.mark.parametrize("digest", ["-sha256", "-sha384", "-sha512"])
def test_sha2_imprints_are_stamped_and_without_cert_req_the_token_carries_no_certificate(
        clerk: Clerk, authority: tsa.TimeStampAuthority, digest: str) -> None:
    reply = clerk.stamp(authority, clerk.query(digest))

    assert clerk.verify(reply).stdout.strip() == "Verification: OK"
    token = tsp.TimeStampResp.load(reply.read_bytes())["time_stamp_token"]
    assert token["content"]["certificates"].native is None


def test_the_token_is_signed_with_the_attributes_that_name_the_tsa_certificate(
        clerk: Clerk, authority: tsa.TimeStampAuthority, tsa_cert: x509.Certificate,
        issuing: x509.Certificate) -> None:
    reply = clerk.stamp(authority, clerk.query("-sha256", "-cert"))

    signed_data = tsp.TimeStampResp.load(reply.read_bytes())["time_stamp_token"]["content"]
    signer_info = signed_data["signer_infos"][0]
    attributes = {attribute["type"].native: attribute["values"][0]
                  for attribute in signer_info["signed_attrs"]}
    content = signed_data["encap_content_info"]["content"].contents
    assert set(attributes) == {"content_type", "signing_time", "message_digest",
                               "signing_certificate_v2"}
    assert attributes["content_type"].native == "tst_info"
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    assert attributes["message_digest"].native == hashlib.new(digest_name, content).digest()
    ess = attributes["signing_certificate_v2"]["certs"][0]
    der = tsa_cert.public_bytes(serialization.Encoding.DER)
    assert ess["cert_hash"].native == hashlib.sha256(der).digest()
    assert ess["issuer_serial"]["serial_number"].native == tsa_cert.serial_number
    assert {cert.chosen.dump() for cert in signed_data["certificates"]} == {
        der, issuing.public_bytes(serialization.Encoding.DER)}


def test_a_sha1_imprint_is_refused_with_bad_alg(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    reply = clerk.stamp(authority, clerk.query("-sha1", "-cert"))

    text = clerk.read(reply)

    assert "Status: Rejected." in text
    assert "Failure info: unrecognized or unsupported algorithm identifier" in text
    assert "the imprint's hash sha1 is not one of sha256, sha384, sha512" in text


def test_a_policy_other_than_the_tsas_is_refused(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    reply = clerk.stamp(authority, clerk.query("-sha256", "-tspolicy", "1.2.3.4"))

    text = clerk.read(reply)

    assert "Status: Rejected." in text
    assert "Failure info: the requested TSA policy is not supported by the TSA" in text


def time_stamp_request(algorithm: str, imprint: bytes) -> bytes:
    return tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": {"algorithm": algorithm}, "hashed_message": imprint}}).dump()


@pytest.mark.parametrize(("what", "request_der"), [
    ("garbage", b"\x30\x03\x02\x01"),
    ("not DER at all", b"please time-stamp my file"),
    ("an imprint of the wrong length", time_stamp_request("sha256", b"\x00" * 20)),
    ("over 4 KiB", time_stamp_request("sha256", b"\x00" * 32) + b"\x00" * 4096),
])
def test_bytes_that_are_no_request_are_refused_with_bad_data_format(
        clerk: Clerk, authority: tsa.TimeStampAuthority, what: str,
        request_der: bytes) -> None:
    request = clerk.folder / "bad.tsq"
    request.write_bytes(request_der)

    text = clerk.read(clerk.stamp(authority, request))

    assert "Status: Rejected." in text, what
    assert "Failure info: the data submitted has the wrong format" in text, what


class Response(core.Sequence):
    """TimeStampResp as RFC 3161 has it: the token is absent from a rejection."""

    _fields = [("status", tsp.PKIStatusInfo),  # noqa: RUF012 - asn1crypto's declaration
               ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def test_any_bytes_get_a_response_never_an_exception(
        clerk: Clerk, authority: tsa.TimeStampAuthority) -> None:
    asked = clerk.query("-sha256", "-cert").read_bytes()

    @settings(max_examples=40, deadline=None, database=None)
    @given(data=st.data())
    def answered(data: st.DataObject) -> None:
        # a real request with one octet changed, or cut short; or any bytes
        index = data.draw(st.integers(0, len(asked) - 1))
        request = data.draw(st.one_of(
            st.just(asked[:index] + bytes([asked[index] ^ data.draw(st.integers(1, 255))])
                    + asked[index + 1:]),
            st.just(asked[:index]),
            st.binary(max_size=200)))

        response = Response.load(authority.respond(request, NOW, 7))

        status = response["status"]["status"].native
        assert status in {"granted", "rejection"}
        assert (response["time_stamp_token"].native is None) == (status == "rejection")

    answered()


def test_no_time_stamp_is_given_outside_the_tsa_certificates_validity(
        clerk: Clerk, authority: tsa.TimeStampAuthority, tsa_cert: x509.Certificate) -> None:
    query = clerk.query("-sha256").read_bytes()
    expired = tsa_cert.not_valid_after_utc + dt.timedelta(seconds=1)

    reply = clerk.folder / "resp.tsr"
    reply.write_bytes(authority.respond(query, expired, serial=1))

    text = clerk.read(reply)
    assert "Status: Rejected." in text
    assert "the TSA's certificate is not valid now" in text


def test_a_certificate_without_critical_time_stamping_cannot_be_a_tsas(
        issuing_signer: SoftwareSigner, issuing: x509.Certificate) -> None:
    signer = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
    responder = ca.issue_certificate(issuing_signer, issuing, signer.public_key(),
                                     profile.ocsp_responder_profile(name("OCSP")),
                                     not_before=NOW)

    with pytest.raises(InvalidArgument) as error:
        tsa.TimeStampAuthority(signer, responder)

    assert violations(error.value) == [("certificate", "NOT_TSA_CERTIFICATE")]
