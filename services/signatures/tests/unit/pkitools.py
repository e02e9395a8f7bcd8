"""A small PKI made in memory for the signature format tests.

A root CA issues an issuing CA; the issuing CA issues an official's certificate
(EC P-256), an agency's certificate (RSA-2048) and a time-stamping authority's
(RSA-2048, extended key usage timeStamping, critical: pyHanko's dummy TSA signs
with RSA only). Each CA publishes a CRL revoking nothing. Keys are generated once
per :func:`build_pki` call; tests build one PKI per module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lienthong.signing import SoftwareSigner

CRL_BASE = "http://pki.lienthong.test/crl"


def _name(common_name: str, organisation: str = "Lienthong thử nghiệm") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


@dataclass
class Issued:
    """A key and its certificate."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def signer(self) -> SoftwareSigner:
        return SoftwareSigner(self.key)

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class Pki:
    """The root, the issuing CA, three end entities and the CAs' CRLs."""

    root: Issued
    ca: Issued
    official: Issued
    agency: Issued
    tsa: Issued
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)

    @property
    def chain(self) -> list[x509.Certificate]:
        """What a signer sends beside its certificate: the issuing CA, then the root."""
        return [self.ca.certificate, self.root.certificate]

    def timestamper(self, at: dt.datetime | None = None) -> DummyTimeStamper:
        """pyHanko's in-process TSA with the test TSA's certificate and key."""
        key_der = self.tsa.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        return DummyTimeStamper(
            tsa_cert=self.tsa.asn1, tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=SimpleCertificateStore.from_certs([self.ca.asn1, self.root.asn1]),
            fixed_dt=at)

    def crls_der(self) -> list[bytes]:
        return [crl.public_bytes(serialization.Encoding.DER) for crl in self.crls]

    def validation_context(self, *, with_crls: bool = True) -> ValidationContext:
        """Trusts the root, knows the issuing CA, fetches nothing, and (by default)
        holds the CRLs; revocation checking is hard-fail."""
        return ValidationContext(
            trust_roots=[self.root.asn1], other_certs=[self.ca.asn1],
            crls=self.crls_der() if with_crls else [], allow_fetching=False,
            revocation_mode="hard-fail")


def _issue(subject: x509.Name, key, issuer: Issued | None, *, ca: bool, now: dt.datetime,
           key_usage: dict[str, bool], eku: list[x509.ObjectIdentifier] | None = None,
           crl_name: str | None = None) -> Issued:
    issuer_name = issuer.certificate.subject if issuer else subject
    issuer_key = issuer.key if issuer else key
    usage = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False)
    usage.update(key_usage)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer else None),
                       critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if crl_name:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"{CRL_BASE}/{crl_name}.crl")],
            relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
    return Issued(key, builder.sign(issuer_key, hashes.SHA256()))


def _crl(issuer: Issued, now: dt.datetime) -> x509.CertificateRevocationList:
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )


def build_pki(now: dt.datetime | None = None) -> Pki:
    now = now or dt.datetime.now(dt.UTC)
    signing = {"digital_signature": True, "content_commitment": True}
    ca_usage = {"key_cert_sign": True, "crl_sign": True}
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _issue(_name("Lienthong Root CA thử nghiệm"), root_key, None, ca=True, now=now,
                  key_usage=ca_usage)
    ca = _issue(_name("Lienthong Issuing CA thử nghiệm"), ec.generate_private_key(ec.SECP256R1()),
                root, ca=True, now=now, key_usage=ca_usage, crl_name="root")
    official = _issue(
        _name("Nguyễn Thị Thu Hà", "Ủy ban nhân dân phường Ba Đình"),
        ec.generate_private_key(ec.SECP256R1()), ca, ca=False, now=now,
        key_usage=signing, crl_name="issuing")
    agency = _issue(
        _name("Ủy ban nhân dân phường Ba Đình", "Ủy ban nhân dân phường Ba Đình"),
        rsa.generate_private_key(public_exponent=65537, key_size=2048), ca, ca=False, now=now,
        key_usage=signing, crl_name="issuing")
    tsa = _issue(
        _name("Lienthong TSA thử nghiệm"),
        rsa.generate_private_key(public_exponent=65537, key_size=2048), ca, ca=False, now=now,
        key_usage={"digital_signature": True}, eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        crl_name="issuing")
    return Pki(root=root, ca=ca, official=official, agency=agency, tsa=tsa,
                   crls=[_crl(root, now), _crl(ca, now)])


def minimal_pdf(pages: int = 1, *, rotate: int = 0,
                media_box: tuple[float, float, float, float] = (0, 0, 595, 842)) -> bytes:
    """A small valid PDF (A4 portrait by default) with one line of text per page."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter(init_page_tree=True)
    font = writer.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
    }))
    for number in range(1, pages + 1):
        stream = writer.add_object(generic.StreamObject(
            stream_data=b"BT /F1 12 Tf 72 720 Td (Page %d) Tj ET" % number))
        page = generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in media_box),
            generic.pdf_name("/Contents"): stream,
            generic.pdf_name("/Resources"): generic.DictionaryObject({
                generic.pdf_name("/Font"): generic.DictionaryObject(
                    {generic.pdf_name("/F1"): font})}),
        })
        if rotate:
            page[generic.pdf_name("/Rotate")] = generic.NumberObject(rotate)
        writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
