"""Stories of the signing service's certificates, checked by OpenSSL.

A root certifies an issuing CA, which certifies an official of an agency; every key signs
through a KeySigner, as one in a PKCS#11 token would. ``openssl verify`` accepts the chain
under ``-x509_strict``, the certificate reads back as the profile says, and once the CA
lists it in its CRL (the official moved to another agency) OpenSSL refuses it.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from lienthong.errors import InvalidArgument
from lienthong.services.signatures.pki import ca, crl, profile
from lienthong.signing import SigningError, SoftwareSigner
from lienthong.testing.refusals import violations

if TYPE_CHECKING:
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

OPENSSL = "/usr/bin/openssl"
OFFICIAL_ID = "5f0c8a8e-3c1d-4b7e-9a55-2d6f1e0b7c41"
URLS = ca.IssuerUrls(crl="http://pki.lienthong.vn/crl/issuing.crl",
                     ocsp="http://pki.lienthong.vn/ocsp",
                     ca_issuers="http://pki.lienthong.vn/ca/issuing.cer")


def ca_name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Nền tảng Liên thông"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def official(**changes: str) -> profile.OfficialSubject:
    fields = {"full_name": "Nguyễn Thị Minh Khai", "position": "Phó Chủ tịch",
              "agency_code": "000.00.00.H26", "agency_name": "Ủy ban nhân dân phường Ba Đình",
              "province_name": "Thành phố Hà Nội", "official_id": OFFICIAL_ID, **changes}
    return profile.OfficialSubject(**fields)


def pem(path: Path, *items: x509.Certificate | bytes) -> Path:
    path.write_bytes(b"".join(item if isinstance(item, bytes)
                              else item.public_bytes(serialization.Encoding.PEM)
                              for item in items))
    return path


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=30)


@pytest.fixture(scope="module")
def root_signer() -> SoftwareSigner:
    return SoftwareSigner(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def root(root_signer: SoftwareSigner) -> x509.Certificate:
    return ca.create_root(root_signer, ca_name("Lienthong Root CA"))


@pytest.fixture(scope="module", params=["rsa", "ec"])
def issuing_signer(request: pytest.FixtureRequest) -> SoftwareSigner:
    if request.param == "rsa":
        return SoftwareSigner(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="module")
def issuing(root_signer: SoftwareSigner, root: x509.Certificate,
            issuing_signer: SoftwareSigner) -> x509.Certificate:
    return ca.create_issuing_ca(
        root_signer, root, issuing_signer, ca_name("Lienthong Issuing CA"),
        urls=ca.IssuerUrls(crl="http://pki.lienthong.vn/crl/root.crl"))


@pytest.fixture(scope="module")
def official_key() -> PublicKeyTypes:
    return ec.generate_private_key(ec.SECP256R1()).public_key()


@pytest.fixture
def certificate(issuing_signer: SoftwareSigner, issuing: x509.Certificate,
                official_key: PublicKeyTypes) -> x509.Certificate:
    return ca.issue_certificate(issuing_signer, issuing, official_key,
                                profile.official_profile(official()), urls=URLS)


def test_an_officials_certificate_chains_to_the_root_under_strict_openssl(
        tmp_path: Path, root: x509.Certificate, issuing: x509.Certificate,
        certificate: x509.Certificate) -> None:
    result = openssl("verify", "-x509_strict", "-CAfile", pem(tmp_path / "root.pem", root),
                     "-untrusted", pem(tmp_path / "issuing.pem", issuing),
                     pem(tmp_path / "official.pem", certificate))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("official.pem: OK")


def test_the_certificate_names_the_official_and_the_agency(
        issuing: x509.Certificate, certificate: x509.Certificate) -> None:
    subject = {attribute.oid: attribute.value for attribute in certificate.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "VN", NameOID.STATE_OR_PROVINCE_NAME: "Thành phố Hà Nội",
        NameOID.ORGANIZATION_NAME: "Ủy ban nhân dân phường Ba Đình",
        NameOID.ORGANIZATION_IDENTIFIER: "GOVVN-000.00.00.H26",
        NameOID.TITLE: "Phó Chủ tịch", NameOID.COMMON_NAME: "Nguyễn Thị Minh Khai"}
    extensions = certificate.extensions
    assert extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.UniformResourceIdentifier) == [
            f"urn:lienthong:official:{OFFICIAL_ID}", "VN:GOV:000.00.00.H26"]
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")]
    assert [policy.policy_identifier.dotted_string for policy in
            extensions.get_extension_for_class(x509.CertificatePolicies).value] == [
        "1.3.6.1.4.1.55555.1.1"]
    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    issuer_key_id = issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value \
        .key_identifier == issuer_key_id.value.digest
    points = extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for name in points[0].full_name] == [URLS.crl]
    access = extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(item.access_method, item.access_location.value) for item in access] == [
        (AuthorityInformationAccessOID.OCSP, URLS.ocsp),
        (AuthorityInformationAccessOID.CA_ISSUERS, URLS.ca_issuers)]
    assert certificate.issuer == issuing.subject
    assert 0 < certificate.serial_number.bit_length() <= 127


def test_an_agency_s_seal_names_the_agency_alone_under_its_own_policy(
        tmp_path: Path, root: x509.Certificate, issuing_signer: SoftwareSigner,
        issuing: x509.Certificate, official_key: PublicKeyTypes) -> None:
    seal = ca.issue_certificate(issuing_signer, issuing, official_key,
                                profile.agency_seal_profile(official()), urls=URLS)

    subject = {attribute.oid: attribute.value for attribute in seal.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "VN", NameOID.STATE_OR_PROVINCE_NAME: "Thành phố Hà Nội",
        NameOID.ORGANIZATION_NAME: "Ủy ban nhân dân phường Ba Đình",
        NameOID.ORGANIZATION_IDENTIFIER: "GOVVN-000.00.00.H26",
        NameOID.COMMON_NAME: "Ủy ban nhân dân phường Ba Đình"}
    extensions = seal.extensions
    # No person: the official who holds it is not named in it.
    assert extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.UniformResourceIdentifier) == ["VN:GOV:000.00.00.H26"]
    assert [policy.policy_identifier for policy in
            extensions.get_extension_for_class(x509.CertificatePolicies).value] == [
        profile.AGENCY_SEAL_POLICY_OID]
    verified = openssl("verify", "-x509_strict", "-CAfile", pem(tmp_path / "root.pem", root),
                       "-untrusted", pem(tmp_path / "issuing.pem", issuing),
                       pem(tmp_path / "seal.pem", seal))
    assert verified.returncode == 0, verified.stderr


def test_revoked_for_a_change_of_agency_the_certificate_fails_the_crl_check(
        tmp_path: Path, root: x509.Certificate, issuing_signer: SoftwareSigner,
        issuing: x509.Certificate, certificate: x509.Certificate) -> None:
    now = dt.datetime.now(dt.UTC)
    root_pem = pem(tmp_path / "root.pem", root)
    chain = pem(tmp_path / "issuing.pem", issuing)
    leaf = pem(tmp_path / "official.pem", certificate)

    def verify_with(crl_der: bytes) -> subprocess.CompletedProcess[str]:
        crl_file = tmp_path / "issuing.crl.pem"
        crl_file.write_bytes(crl.crl_pem(crl_der))
        return openssl("verify", "-x509_strict", "-crl_check", "-CAfile", root_pem,
                       "-untrusted", chain, "-CRLfile", crl_file, leaf)

    before = crl.build_crl(issuing_signer, issuing, [], now, now + dt.timedelta(days=1), 1)
    assert verify_with(before).returncode == 0

    after = crl.build_crl(
        issuing_signer, issuing,
        [(certificate.serial_number, now, crl.Reason.affiliation_changed)],
        now, now + dt.timedelta(days=1), crl_number=2)
    refused = verify_with(after)
    assert refused.returncode != 0
    assert "certificate revoked" in refused.stdout + refused.stderr
    listing = openssl("crl", "-inform", "DER", "-noout", "-text",
                      "-in", pem(tmp_path / "after.crl", after))
    serial_hex = f"{certificate.serial_number:X}"
    assert f"Serial Number: {serial_hex.zfill(len(serial_hex) + len(serial_hex) % 2)}" \
        in listing.stdout  # openssl writes whole octets
    assert "Affiliation Changed" in listing.stdout
    assert "X509v3 CRL Number: \n                2" in listing.stdout


def test_a_certificate_never_outlives_its_issuer(
        issuing_signer: SoftwareSigner, issuing: x509.Certificate,
        official_key: PublicKeyTypes) -> None:
    long_profile = profile.official_profile(official(), validity=dt.timedelta(days=365 * 30))

    cut = ca.issue_certificate(issuing_signer, issuing, official_key, long_profile)
    with pytest.raises(InvalidArgument) as beyond:
        ca.issue_certificate(issuing_signer, issuing, official_key, long_profile,
                             not_after=issuing.not_valid_after_utc + dt.timedelta(days=1))

    assert cut.not_valid_after_utc == issuing.not_valid_after_utc
    assert violations(beyond.value) == [("not_after", "BEYOND_ISSUER_VALIDITY")]


def test_by_default_an_officials_certificate_lasts_two_years(
        issuing_signer: SoftwareSigner, issuing: x509.Certificate,
        official_key: PublicKeyTypes) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)

    cert = ca.issue_certificate(issuing_signer, issuing, official_key,
                                profile.official_profile(official()), serial=4242,
                                not_before=start)

    assert cert.serial_number == 4242
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc - start == dt.timedelta(days=730)


def test_an_official_with_a_broken_identity_is_refused_naming_every_field() -> None:
    with pytest.raises(InvalidArgument) as error:
        official(full_name="  ", agency_code="000.00.00.h26!", official_id="not-a-uuid",
                 position="x" * 65)

    assert violations(error.value) == [
        ("full_name", "REQUIRED"), ("position", "TOO_LONG"),
        ("agency_code", "AGENCY_CODE_FORMAT"), ("official_id", "UUID_FORMAT")]


@pytest.mark.parametrize(("code", "rule"), [
    ("H26.01.05", None), ("000.00.00.Z00", None), ("H26..05", "AGENCY_CODE_FORMAT"),
    (".H26", "AGENCY_CODE_FORMAT"), ("H26 01", "AGENCY_CODE_FORMAT"), ("", "REQUIRED"),
    ("0" * 15 + "." + "0" * 17, "AGENCY_CODE_TOO_LONG")])
def test_agency_codes_are_dotted_groups_of_letters_and_digits(code: str,
                                                              rule: str | None) -> None:
    if rule is None:
        assert official(agency_code=code).agency_uri == f"VN:GOV:{code}"
    else:
        with pytest.raises(InvalidArgument) as error:
            official(agency_code=code)
        assert violations(error.value) == [("agency_code", rule)]


def test_text_is_kept_trimmed_and_composed() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n A"  # what some keyboards send

    subject = official(full_name=f" {decomposed} ", province_name="",
                       official_id=OFFICIAL_ID.upper())

    assert subject.full_name == "Nguyễn Văn A"
    assert subject.official_uri == f"urn:lienthong:official:{OFFICIAL_ID}"
    assert NameOID.STATE_OR_PROVINCE_NAME not in {a.oid for a in subject.name}


def test_an_issuing_ca_certifies_no_other_ca_and_an_official_certifies_nothing(
        root_signer: SoftwareSigner, issuing_signer: SoftwareSigner,
        issuing: x509.Certificate, official_key: PublicKeyTypes) -> None:
    sub_ca = profile.ca_profile(ca_name("Sub CA"), path_length=0,
                                validity=dt.timedelta(days=365))
    officials_own = ca.issue_certificate(issuing_signer, issuing, root_signer.public_key(),
                                         profile.official_profile(official()))

    with pytest.raises(InvalidArgument) as below_issuing:
        ca.issue_certificate(issuing_signer, issuing, official_key, sub_ca)
    with pytest.raises(InvalidArgument) as below_official:
        ca.issue_certificate(root_signer, officials_own, official_key,
                             profile.official_profile(official()))

    assert violations(below_issuing.value) == [("issuer_cert", "ISSUER_PATH_LENGTH")]
    assert violations(below_official.value) == [("issuer_cert", "ISSUER_NOT_CA")]


def test_a_signer_that_does_not_hold_the_issuers_key_is_refused(
        root_signer: SoftwareSigner, issuing: x509.Certificate,
        official_key: PublicKeyTypes) -> None:
    with pytest.raises(InvalidArgument) as error:
        ca.issue_certificate(root_signer, issuing, official_key,
                             profile.official_profile(official()))

    assert violations(error.value) == [("issuer_signer", "SIGNER_KEY_MISMATCH")]


@pytest.mark.parametrize(("key", "rule"), [
    (lambda: ed25519.Ed25519PrivateKey.generate().public_key(), "KEY_TYPE_UNSUPPORTED"),
    (lambda: ec.generate_private_key(ec.SECP521R1()).public_key(), "KEY_CURVE_UNSUPPORTED"),
    (lambda: rsa.generate_private_key(65537, 1024).public_key(), "KEY_TOO_SMALL")])
def test_keys_the_profile_does_not_take_are_refused(
        root_signer: SoftwareSigner, root: x509.Certificate, key: object, rule: str) -> None:
    sub_ca = profile.ca_profile(ca_name("Sub CA"), path_length=0,
                                validity=dt.timedelta(days=365))

    with pytest.raises(InvalidArgument) as error:
        ca.issue_certificate(root_signer, root, key(), sub_ca)  # type: ignore[operator]

    assert violations(error.value) == [("subject_public_key", rule)]


class TokenLikeSigner:
    """A KeySigner that is not SoftwareSigner: it keeps a count, as a token's session
    might, and signs P-384 with SHA-384."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP384R1())
        self.key_algorithm = "ecdsa"
        self.signed: list[str] = []

    def public_key(self) -> PublicKeyTypes:
        return self._key.public_key()

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        self.signed.append(hash_algorithm)
        return SoftwareSigner(self._key).sign(data, hash_algorithm)

    def sign_digest(self, digest: bytes, hash_algorithm: str = "sha256") -> bytes:
        return SoftwareSigner(self._key).sign_digest(digest, hash_algorithm)


def test_any_key_signer_signs_and_a_p384_key_signs_with_sha384(
        tmp_path: Path, root_signer: SoftwareSigner, root: x509.Certificate) -> None:
    token = TokenLikeSigner()
    now = dt.datetime.now(dt.UTC)

    issuing_ca = ca.create_issuing_ca(root_signer, root, token, ca_name("Token CA"))
    leaf = ca.issue_certificate(token, issuing_ca, root_signer.public_key(),
                                profile.official_profile(official()))
    revocations = x509.load_der_x509_crl(crl.build_crl(
        token, issuing_ca, [(leaf.serial_number, now, "key_compromise")], now,
        now + dt.timedelta(days=1), crl_number=1))

    assert token.signed == ["sha384", "sha384"]
    assert leaf.signature_algorithm_oid == x509.SignatureAlgorithmOID.ECDSA_WITH_SHA384
    assert revocations.is_signature_valid(token.public_key())  # type: ignore[arg-type]
    result = openssl("verify", "-x509_strict", "-CAfile", pem(tmp_path / "root.pem", root),
                     "-untrusted", pem(tmp_path / "ca.pem", issuing_ca),
                     pem(tmp_path / "leaf.pem", leaf))
    assert result.returncode == 0, result.stderr


class GarbageSigner(TokenLikeSigner):
    """A token that answers with bytes that are no signature."""

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        return b"\x30\x06\x02\x01\x01\x02\x01\x01"


def test_a_signature_the_key_does_not_verify_is_never_issued() -> None:
    with pytest.raises(SigningError, match="does not verify"):
        ca.create_root(GarbageSigner(), ca_name("Broken Root"))


def test_a_root_is_self_signed_and_certifies_one_level_of_cas(
        root: x509.Certificate, issuing: x509.Certificate) -> None:
    root_constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    issuing_constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = issuing.extensions.get_extension_for_class(x509.KeyUsage).value

    assert root.issuer == root.subject
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    assert (root_constraints.critical, root_constraints.value.path_length) == (True, 1)
    assert (issuing_constraints.value.ca, issuing_constraints.value.path_length) == (True, 0)
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
