"""Stories of the OCSP responder, asked and checked by ``openssl ocsp``, and of what a CRL
lists (``openssl verify -crl_check`` refusing a revoked certificate is a story of
test_pki_certificates).

An official's certificate is good until the CA revokes it (the official moved to another
agency); the responder, with a certificate the issuing CA delegated to it, answers each
certificate a request asks about, echoes the request's nonce, and meets bytes that are no
request (or too large a one) with ``malformedRequest``, never an exception.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.errors import InvalidArgument
from lienthong.services.signatures.pki import ca, crl, ocsp, profile
from lienthong.signing import SoftwareSigner
from lienthong.testing.refusals import violations

if TYPE_CHECKING:
    from pathlib import Path

OPENSSL = "/usr/bin/openssl"


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


class Pki:
    """A root, an issuing CA, its OCSP responder, two officials, and what the CA says of
    each serial; the certificates are also written as PEM files for OpenSSL."""

    def __init__(self, root_key: rsa.RSAPrivateKey,
                 issuing_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                 folder: Path) -> None:
        root_signer = SoftwareSigner(root_key)
        self.root = ca.create_root(root_signer, name("Root"))
        self.issuing_signer = SoftwareSigner(issuing_key)
        self.issuing = ca.create_issuing_ca(root_signer, self.root, self.issuing_signer,
                                            name("Issuing CA"))
        self.responder_signer = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
        self.responder = ca.issue_certificate(
            self.issuing_signer, self.issuing, self.responder_signer.public_key(),
            profile.ocsp_responder_profile(name("OCSP Responder")))
        self.officials = [ca.issue_certificate(
            self.issuing_signer, self.issuing, ec.generate_private_key(ec.SECP256R1())
            .public_key(), profile.official_profile(profile.OfficialSubject(
                full_name=full_name, position="Chuyên viên", agency_code="000.00.00.H26",
                agency_name="Sở Nội vụ", official_id=official_id)))
            for full_name, official_id in (
                ("Trần Văn Bình", "0e9f3a52-8d41-4c6b-a0f7-1b2c3d4e5f60"),
                ("Lê Thị Hoa", "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"))]
        self.statuses: dict[int, ocsp.CertStatus] = {
            cert.serial_number: ocsp.CertStatus.good() for cert in self.officials}
        self.files = {"root": pem(folder / "root.pem", self.root),
                      "issuing": pem(folder / "issuing.pem", self.issuing),
                      "chain": pem(folder / "chain.pem", self.root, self.issuing),
                      "official": pem(folder / "official.pem", self.officials[0]),
                      "colleague": pem(folder / "colleague.pem", self.officials[1])}
        self.folder = folder

    def lookup(self, serial: int) -> ocsp.CertStatus:
        return self.statuses.get(serial, ocsp.CertStatus.unknown())

    def respond(self, request: bytes) -> bytes:
        return ocsp.respond(request, self.lookup, self.responder_signer, self.responder,
                            self.issuing, dt.datetime.now(dt.UTC))

    def request(self, *certs: str, issuer: str = "issuing", nonce: bool = False,
                out: str = "req.der") -> Path:
        path = self.folder / out
        result = openssl("ocsp", "-issuer", self.files[issuer],
                         *(arg for cert in certs for arg in ("-cert", self.files[cert])),
                         "-reqout", path, *(() if nonce else ("-no_nonce",)))
        assert result.returncode == 0, result.stderr
        return path

    def answer(self, request: Path) -> Path:
        response = self.folder / "resp.der"
        response.write_bytes(self.respond(request.read_bytes()))
        return response

    def ask(self, *certs: str, issuer: str = "issuing") -> subprocess.CompletedProcess[str]:
        """Ask about ``certs`` as ``openssl ocsp`` would, and let it check the answer.

        (Given ``-cert``, openssl checks the response against a request it builds itself,
        so its nonce is checked apart, by :func:`test_the_nonce_of_a_request_is_echoed`.)
        """
        response = self.answer(self.request(*certs, issuer=issuer))
        return openssl("ocsp", "-respin", response, "-issuer", self.files[issuer],
                       *(arg for cert in certs for arg in ("-cert", self.files[cert])),
                       "-CAfile", self.files["chain"], "-resp_text", "-no_nonce")


@pytest.fixture(scope="module")
def root_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module", params=["rsa", "ec"])
def issuing_key(request: pytest.FixtureRequest,
                ) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if request.param == "rsa":
        return rsa.generate_private_key(65537, 2048)
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def pki(root_key: rsa.RSAPrivateKey,
        issuing_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, tmp_path: Path) -> Pki:
    return Pki(root_key, issuing_key, tmp_path)


def test_a_certificate_is_good_until_revoked_and_then_revoked_with_its_reason(
        pki: Pki) -> None:
    good = pki.ask("official")
    official = pki.officials[0]
    revoked_at = dt.datetime(2025, 9, 1, 8, 30, tzinfo=dt.UTC)
    pki.statuses[official.serial_number] = ocsp.CertStatus.revoked(
        revoked_at, "affiliation_changed")
    revoked = pki.ask("official")

    assert "Response verify OK" in good.stderr, good.stderr
    assert f"{pki.files['official']}: good" in good.stdout
    assert "Response verify OK" in revoked.stderr, revoked.stderr
    assert f"{pki.files['official']}: revoked" in revoked.stdout
    assert "Reason: affiliationChanged" in revoked.stdout
    assert "Revocation Time: Sep  1 08:30:00 2025 GMT" in revoked.stdout


def test_every_certificate_of_a_request_is_answered(pki: Pki) -> None:
    pki.statuses[pki.officials[1].serial_number] = ocsp.CertStatus.revoked(
        dt.datetime(2025, 7, 1, tzinfo=dt.UTC), "cessation_of_operation")

    result = pki.ask("official", "colleague")

    assert "Response verify OK" in result.stderr, result.stderr
    assert f"{pki.files['official']}: good" in result.stdout
    assert f"{pki.files['colleague']}: revoked" in result.stdout
    assert "Reason: cessationOfOperation" in result.stdout


def test_the_nonce_of_a_request_is_echoed(pki: Pki) -> None:
    request = pki.request("official", nonce=True)
    response = pki.answer(request)
    another = pki.request("official", nonce=True, out="another.der")

    def check_against(sent: Path) -> subprocess.CompletedProcess[str]:
        # -no_nonce: check the nonce of the request read, do not add one of openssl's own
        return openssl("ocsp", "-reqin", sent, "-respin", response,
                       "-CAfile", pki.files["chain"], "-no_nonce")

    assert check_against(request).stderr.strip() == "Response verify OK"
    assert "Nonce Verify error" in check_against(another).stderr
    asked = x509_ocsp.load_der_ocsp_request(request.read_bytes()).extensions \
        .get_extension_for_class(x509.OCSPNonce).value.nonce
    answered = x509_ocsp.load_der_ocsp_response(response.read_bytes()).extensions \
        .get_extension_for_class(x509.OCSPNonce).value.nonce
    assert answered == asked


def test_the_response_names_its_responder_by_key_and_carries_its_certificate(
        pki: Pki) -> None:
    request = pki.request("official").read_bytes()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    response = x509_ocsp.load_der_ocsp_response(pki.respond(request))

    assert response.response_status == x509_ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        pki.responder_signer.public_key()).digest
    assert response.certificates == [pki.responder]
    assert response.next_update_utc - response.this_update_utc == dt.timedelta(hours=1)
    assert response.produced_at_utc >= before


def test_a_certificate_of_another_issuer_is_unknown(pki: Pki) -> None:
    # The request names the root as the official's issuer: its name and key hashes are
    # the root's, not the issuing CA's this responder answers for.
    result = pki.ask("official", issuer="root")

    assert f"{pki.files['official']}: unknown" in result.stdout


def test_a_serial_the_ca_never_issued_is_unknown(pki: Pki) -> None:
    pki.statuses.clear()

    result = pki.ask("official")

    assert "Response verify OK" in result.stderr, result.stderr
    assert f"{pki.files['official']}: unknown" in result.stdout


def responder_error(response: bytes, folder: Path) -> str:
    path = folder / "error.der"
    path.write_bytes(response)
    return openssl("ocsp", "-respin", path, "-resp_text", "-noverify").stdout


def cryptography_request(pki: Pki, nonce: bytes) -> bytes:
    builder = x509_ocsp.OCSPRequestBuilder().add_certificate(
        pki.officials[0], pki.issuing, hashes.SHA1()).add_extension(
            x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_garbage_too_large_requests_and_too_long_nonces_are_malformed(pki: Pki) -> None:
    eleven = pki.request(*(["official", "colleague"] * 6)[:11]).read_bytes()
    ten = pki.request(*(["official", "colleague"] * 5)).read_bytes()
    asked = {
        "garbage": b"GET /ocsp HTTP/1.1\r\n\r\n",
        "empty": b"",
        "truncated": pki.request("official").read_bytes()[:-3],
        # the last arc of the CertID's sha1 OID left unterminated: not DER, not echoed
        "a CertID not in DER": pki.request("official").read_bytes().replace(
            bytes.fromhex("2b0e03021a"), bytes.fromhex("2b0e03029a")),
        "eleven certificates": eleven,
        "over 4 KiB": cryptography_request(pki, b"n" * 5000),
        "a 129-octet nonce": cryptography_request(pki, b"n" * 129),
    }

    answers = {what: responder_error(pki.respond(request), pki.folder)
               for what, request in asked.items()}

    assert all("Responder Error: malformedrequest (1)" in answer
               for answer in answers.values()), answers
    assert "Responder Error" not in responder_error(pki.respond(ten), pki.folder)


def test_any_bytes_get_a_response_never_an_exception(pki: Pki) -> None:
    asked = pki.request("official", "colleague", nonce=True).read_bytes()

    @settings(max_examples=40, deadline=None, database=None)
    @given(data=st.data())
    def answered(data: st.DataObject) -> None:
        # a real request with one octet changed, or cut short; or any bytes
        index = data.draw(st.integers(0, len(asked) - 1))
        request = data.draw(st.one_of(
            st.just(asked[:index] + bytes([asked[index] ^ data.draw(st.integers(1, 255))])
                    + asked[index + 1:]),
            st.just(asked[:index]),
            st.binary(max_size=300)))

        response = x509_ocsp.load_der_ocsp_response(pki.respond(request))

        assert response.response_status in {x509_ocsp.OCSPResponseStatus.SUCCESSFUL,
                                            x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST}

    answered()


def test_a_responder_the_issuer_did_not_delegate_is_refused(pki: Pki) -> None:
    official_signer = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
    not_a_responder = ca.issue_certificate(
        pki.issuing_signer, pki.issuing, official_signer.public_key(),
        profile.official_profile(profile.OfficialSubject(
            full_name="Phạm Văn Đồng", position="Chuyên viên", agency_code="000.00.00.H26",
            agency_name="Sở Nội vụ", official_id="3c2b1a09-8f7e-4d6c-b5a4-938271605f4e")))

    with pytest.raises(InvalidArgument) as error:
        ocsp.respond(b"", pki.lookup, official_signer, not_a_responder, pki.issuing,
                     dt.datetime.now(dt.UTC))

    assert violations(error.value) == [("responder_cert", "NOT_DELEGATED_RESPONDER")]


def test_the_issuing_ca_may_answer_for_itself(pki: Pki) -> None:
    request = pki.request("official").read_bytes()

    response = x509_ocsp.load_der_ocsp_response(ocsp.respond(
        request, pki.lookup, pki.issuing_signer, pki.issuing, pki.issuing,
        dt.datetime.now(dt.UTC)))

    assert response.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
    assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        pki.issuing.public_key()).digest


def test_a_crl_lists_each_reason_and_leaves_unspecified_out(pki: Pki) -> None:
    now = dt.datetime.now(dt.UTC)
    revoked = [crl.Revocation(3, now, crl.Reason.key_compromise),
               crl.Revocation(1, now, "superseded"),
               crl.Revocation(2, now, "cessation_of_operation"),
               crl.Revocation(4, now)]

    listing = x509.load_der_x509_crl(crl.build_crl(
        pki.issuing_signer, pki.issuing, revoked, now, now + dt.timedelta(days=7),
        crl_number=9))

    assert listing.is_signature_valid(pki.issuing.public_key())  # type: ignore[arg-type]
    reasons = {}
    for entry in listing:
        try:
            reasons[entry.serial_number] = entry.extensions.get_extension_for_class(
                x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            reasons[entry.serial_number] = None
    assert reasons == {1: x509.ReasonFlags.superseded,
                       2: x509.ReasonFlags.cessation_of_operation,
                       3: x509.ReasonFlags.key_compromise, 4: None}
    assert listing.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 9


def test_a_crl_refuses_an_unknown_reason_and_a_serial_listed_twice(pki: Pki) -> None:
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(days=1)
    moved_house = [(5, now, "moved_house")]
    twice_over = [(5, now, "superseded"), (5, now, "superseded")]

    with pytest.raises(InvalidArgument) as unknown:
        crl.build_crl(pki.issuing_signer, pki.issuing, moved_house, now, later, 1)
    with pytest.raises(InvalidArgument) as twice:
        crl.build_crl(pki.issuing_signer, pki.issuing, twice_over, now, later, 1)

    assert violations(unknown.value) == [("revoked[0].reason", "REVOCATION_REASON_UNKNOWN")]
    assert violations(twice.value) == [("revoked[1].serial", "SERIAL_DUPLICATE")]
