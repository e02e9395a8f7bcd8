"""A small test PKI and signed inputs for the signature validation stories.

One root, one issuing CA under it, two signers (one later revoked), a
time-stamping authority (EKU ``timeStamping``, critical) and a stranger root
nobody trusts. Keys live in memory: EC P-256 for everything but the TSA, which
is RSA because pyHanko's ``DummyTimeStamper`` signs with RSA only.

The timeline is relative to the moment the PKI is built (``now``): the
signatures are made at ``signed_at`` (60 days ago), the second signer is
revoked at ``revoked_at`` (30 days ago). ``crls(at=...)`` gives the root's
and the CA's CRLs as they were published at a moment, listing the revocation
once it has happened.

Signed inputs are made with pyHanko (PAdES, CMS) and signxml (XML) as a
signing application would make them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import cached_property

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from signxml import SignatureMethod, XMLSigner
from signxml.xades import XAdESSigner

CRL_BASE = "http://crl.lienthong.test"
#: Text drawn on the test page; flipping a letter of it changes the signed bytes.
PAGE_TEXT = b"Quyet dinh so 01/QD-UBND"


@dataclass(frozen=True)
class Party:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @cached_property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @cached_property
    def key_info(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _name(common_name: str, **extra: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if "organization" in extra:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["organization"]))
    if "organization_identifier" in extra:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, extra["organization_identifier"])
        )
    if "title" in extra:
        attributes.append(x509.NameAttribute(NameOID.TITLE, extra["title"]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _issue(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    *,
    issuer: Party | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    crl_name: str | None = None,
    time_stamping: bool = False,
) -> Party:
    signing_key = key if issuer is None else issuer.key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ca:
        usage = {"key_cert_sign": True, "crl_sign": True}
    elif time_stamping:
        usage = {"digital_signature": True}
    else:
        usage = {"digital_signature": True, "content_commitment": True}
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=usage.get("digital_signature", False),
            content_commitment=usage.get("content_commitment", False),
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=usage.get("key_cert_sign", False),
            crl_sign=usage.get("crl_sign", False),
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if crl_name is not None:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(f"{CRL_BASE}/{crl_name}")],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    return Party(builder.sign(signing_key, hashes.SHA256()), key)


def _ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class TestPki:
    """The PKI of the stories, built once per test module."""

    __test__ = False  # a helper, not a test class

    now: dt.datetime
    root: Party
    ca: Party
    signer: Party
    revoked_signer: Party
    tsa: Party
    stranger_root: Party
    stranger: Party
    signed_at: dt.datetime
    revoked_at: dt.datetime
    _crl_numbers: dict[str, int] = field(default_factory=dict)

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        return [self.root.cert]

    def crls(self, at: dt.datetime) -> list[x509.CertificateRevocationList]:
        """The root's CRL (valid for a year) and the CA's (14 days) published at ``at``."""
        revoked = [(self.revoked_signer, self.revoked_at)] if at >= self.revoked_at else []
        return [
            self._crl(self.root, "root", at, [], dt.timedelta(days=365)),
            self._crl(self.ca, "ca", at, revoked, dt.timedelta(days=14)),
        ]

    def _crl(
        self,
        issuer: Party,
        name: str,
        at: dt.datetime,
        revoked: list[tuple[Party, dt.datetime]],
        validity: dt.timedelta,
    ) -> x509.CertificateRevocationList:
        number = self._crl_numbers.get(name, 0) + 1
        self._crl_numbers[name] = number
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(at - dt.timedelta(hours=1))
            .next_update(at + validity)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        )
        for party, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(party.cert.serial_number)
                .revocation_date(when)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return builder.sign(issuer.key, hashes.SHA256())

    def timestamper(self, at: dt.datetime) -> DummyTimeStamper:
        return DummyTimeStamper(
            tsa_cert=self.tsa.asn1,
            tsa_key=self.tsa.key_info,
            certs_to_embed=SimpleCertificateStore.from_certs([self.ca.asn1]),
            fixed_dt=at,
        )

    def cms_signer(self, party: Party, issuing: Party | None = None) -> signers.SimpleSigner:
        issuing = issuing or self.ca
        return signers.SimpleSigner(
            signing_cert=party.asn1,
            signing_key=party.key_info,
            cert_registry=SimpleCertificateStore.from_certs([issuing.asn1]),
        )


def build_pki() -> TestPki:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    years = dt.timedelta(days=365)
    root = _issue(
        _name("Lienthong Test Root CA", organization="Lienthong"),
        _ec_key(),
        issuer=None,
        not_before=now - 10 * years,
        not_after=now + 10 * years,
        ca=True,
    )
    ca = _issue(
        _name("Lienthong Test Issuing CA", organization="Lienthong"),
        _ec_key(),
        issuer=root,
        not_before=now - 9 * years,
        not_after=now + 9 * years,
        ca=True,
        crl_name="root.crl",
    )

    def person(common_name: str, title: str) -> Party:
        return _issue(
            _name(
                common_name,
                organization="UBND phường Ba Đình",
                organization_identifier="NTRVN-0101234567",
                title=title,
            ),
            _ec_key(),
            issuer=ca,
            not_before=now - 2 * years,
            not_after=now + 2 * years,
            ca=False,
            crl_name="ca.crl",
        )

    tsa = _issue(
        _name("Lienthong Test TSA", organization="Lienthong"),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        issuer=ca,
        not_before=now - 5 * years,
        not_after=now + 5 * years,
        ca=False,
        crl_name="ca.crl",
        time_stamping=True,
    )
    stranger_root = _issue(
        _name("Stranger Root CA"),
        _ec_key(),
        issuer=None,
        not_before=now - 5 * years,
        not_after=now + 5 * years,
        ca=True,
    )
    stranger = _issue(
        _name("Người Lạ"),
        _ec_key(),
        issuer=stranger_root,
        not_before=now - years,
        not_after=now + years,
        ca=False,
    )
    return TestPki(
        now=now,
        root=root,
        ca=ca,
        signer=person("Nguyễn Văn An", "Chủ tịch"),
        revoked_signer=person("Trần Thị Bình", "Phó Chủ tịch"),
        tsa=tsa,
        stranger_root=stranger_root,
        stranger=stranger,
        signed_at=now - dt.timedelta(days=60),
        revoked_at=now - dt.timedelta(days=30),
    )


def blank_pdf() -> bytes:
    """A one-page PDF whose content stream (uncompressed) draws ``PAGE_TEXT``."""
    writer = PdfFileWriter(stream_xrefs=False)
    font = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Font"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
            generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.pdf_name("/Font"): generic.DictionaryObject(
                {generic.pdf_name("/F1"): writer.add_object(font)}
            )
        }
    )
    content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (" + PAGE_TEXT + b") Tj ET")
    writer.insert_page(PageObject(writer.add_object(content), (0, 0, 595, 842), resources))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_pdf(
    pki: TestPki,
    party: Party,
    *,
    at: dt.datetime,
    timestamp: bool = False,
    long_term: bool = False,
    archival: bool = False,
    issuing: Party | None = None,
    field_name: str = "ChuKy1",
) -> bytes:
    """A PAdES signature made at ``at``: B-B, B-T (``timestamp``), B-LT (``long_term``:
    the CRLs of ``at`` go to the DSS) or B-LTA (``archival``: a document time-stamp after)."""
    long_term = long_term or archival
    timestamp = timestamp or long_term
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=long_term,
        use_pades_lta=archival,
        validation_context=(
            ValidationContext(
                trust_roots=[pki.root.asn1],
                crls=[crl.public_bytes(serialization.Encoding.DER) for crl in pki.crls(at)],
                moment=at,
                allow_fetching=False,
            )
            if long_term
            else None
        ),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=pki.cms_signer(party, issuing),
        timestamper=pki.timestamper(at) if timestamp else None,
    )
    return asyncio.run(_sign_at(pdf_signer, blank_pdf(), at))


async def _sign_at(pdf_signer: signers.PdfSigner, pdf: bytes, at: dt.datetime) -> bytes:
    # pyHanko's own sign_pdf steps, with the session's clock set to ``at`` so the
    # claimed signing time (CMS signingTime, /M) is the moment of the story.
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    session = pdf_signer.init_signing_session(writer)
    session.system_time = at
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    prepared, output = tbs.digest_tbs_document(in_place=False, output=None)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=at,
            adobe_revinfo_attr=(
                None if validation_info is None else validation_info.adobe_revinfo_attr
            ),
        ),
    )
    await post.post_signature_processing(output, chunk_size=4096)
    return output.getvalue()


def sign_cms_detached(
    pki: TestPki, party: Party, content: bytes, *, at: dt.datetime | None = None
) -> bytes:
    """A detached CAdES signature of ``content`` (B-T when ``at`` gives the time-stamp)."""
    signer = pki.cms_signer(party)
    signed = asyncio.run(
        signer.async_sign_general_data(
            content,
            "sha256",
            detached=True,
            use_cades=True,
            timestamper=None if at is None else pki.timestamper(at),
        )
    )
    return signed.dump()


def sign_xml(pki: TestPki, party: Party, document: bytes, *, xades: bool = False) -> bytes:
    """An enveloped XMLDSig (or XAdES-B-B) signature carrying the signer's and the
    CA's certificates."""
    root = etree.fromstring(document)
    cert_chain = [
        c.public_bytes(serialization.Encoding.PEM).decode() for c in (party.cert, pki.ca.cert)
    ]
    signer_class = XAdESSigner if xades else XMLSigner
    signed = signer_class(signature_algorithm=SignatureMethod.ECDSA_SHA256).sign(
        root, key=party.key, cert=cert_chain
    )
    return etree.tostring(signed)


def renew_archival_time_stamp(pki: TestPki, pdf: bytes, *, at: dt.datetime) -> bytes:
    """A B-LTA document kept alive at ``at``: the DSS gets the CRLs of ``at`` and a
    new document time-stamp covers them (pyHanko's archival chain update)."""
    context = ValidationContext(
        trust_roots=[pki.root.asn1],
        crls=[crl.public_bytes(serialization.Encoding.DER) for crl in pki.crls(at)],
        moment=at,
        allow_fetching=False,
    )
    stamper = signers.PdfTimeStamper(pki.timestamper(at))
    output = asyncio.run(
        stamper.async_update_archival_timestamp_chain(
            PdfFileReader(io.BytesIO(pdf)), context, in_place=False
        )
    )
    return output.getvalue()
