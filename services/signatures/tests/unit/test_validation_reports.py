"""Stories of signature validation and its ETSI TS 119 102-2 shaped reports.

A ward's chairman signs a decision as a PDF, a detached CMS file and an XML
dossier; the reports say whether the signatures hold, why, and in Vietnamese or
English. The test PKI (``validation_pki``) is built once for the module: its
signatures are made 60 days ago, one signer's certificate is revoked 30 days ago.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pytest
from validation_pki import (
    PAGE_TEXT,
    TestPki,
    blank_pdf,
    build_pki,
    renew_archival_time_stamp,
    sign_cms_detached,
    sign_pdf,
    sign_xml,
)

from lienthong.services.signatures.validation import (
    MESSAGES,
    Indication,
    RevocationOrigin,
    RevocationSource,
    RevocationStatus,
    SignatureReport,
    SubIndication,
    ValidationReport,
    validate,
)
from lienthong.services.signatures.validation.messages import placeholders

CONTENT = "Quyết định số 01/QĐ-UBND về việc cấp giấy phép".encode()
DOSSIER = b"<HoSo><MaHoSo>000.00.01.H01-260101-0001</MaHoSo><LePhi>50000</LePhi></HoSo>"


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return build_pki()


@pytest.fixture(scope="module")
def crls_now(pki: TestPki) -> list:
    """The CRLs a relying party downloads today: the revocation is on them."""
    return pki.crls(pki.now)


def only(report: ValidationReport) -> SignatureReport:
    assert len(report.signatures) == 1
    return report.signatures[0]


def codes(signature: SignatureReport) -> list[str]:
    return [message.code for message in signature.messages]


# --- PDF -------------------------------------------------------------------------------


def test_a_valid_pades_b_b_passes_with_its_chain_from_root_to_signer(pki, crls_now):
    signed = sign_pdf(pki, pki.signer, at=pki.signed_at)

    report = validate("pdf", signed, trust_roots=pki.trust_roots, crls=crls_now)

    signature = only(report)
    assert (signature.id, signature.format) == ("ChuKy1", "PAdES-B-B")
    assert signature.indication is Indication.TOTAL_PASSED
    assert signature.sub_indication is None
    assert signature.validation_process == "Basic"
    assert signature.signing_time == pki.signed_at
    assert signature.signer is not None
    assert signature.signer.common_name == "Nguyễn Văn An"
    assert signature.signer.title == "Chủ tịch"
    assert signature.signer.organization_identifier == "NTRVN-0101234567"
    chain = signature.certificate_chain
    assert [c.subject.common_name for c in chain] == [
        "Lienthong Test Root CA",
        "Lienthong Test Issuing CA",
        "Nguyễn Văn An",
    ]
    assert chain[0].is_trust_anchor
    assert chain[0].revocation.status is RevocationStatus.NOT_CHECKED
    assert all(c.indication is Indication.TOTAL_PASSED for c in chain)
    signer = chain[-1]
    assert signer.serial_number == format(pki.signer.cert.serial_number, "X")
    assert signer.revocation.status is RevocationStatus.GOOD
    assert (signer.revocation.source, signer.revocation.origin) == (
        RevocationSource.CRL,
        RevocationOrigin.GIVEN,
    )
    assert codes(signature) == ["signature.intact", "chain.trusted"]

    vi, en = report.simple("vi"), report.simple("en")
    assert vi["validSignaturesCount"] == en["validSignaturesCount"] == 1
    assert vi["signatures"][0]["statusText"] == "Hợp lệ"
    assert en["signatures"][0]["statusText"] == "Total passed"
    for vi_text, en_text in zip(
        vi["signatures"][0]["messages"], en["signatures"][0]["messages"], strict=True
    ):
        assert vi_text and en_text and vi_text != en_text
    assert "còn nguyên vẹn" in vi["signatures"][0]["messages"][0]
    detailed = report.detailed("vi")
    status = detailed["signatureValidationReport"][0]["signatureValidationStatus"]
    assert status["mainIndication"] == "urn:etsi:019102:mainindication:total-passed"
    assert [c["commonName"] for c in status["certificateChain"]][-1] == "Nguyễn Văn An"
    json.dumps(detailed, ensure_ascii=False)  # the rendering is JSON as it stands


def test_a_report_keeps_nothing_of_the_parsed_pdf(pki, crls_now):
    signed = sign_pdf(pki, pki.signer, at=pki.signed_at)

    report = validate("pdf", signed, trust_roots=pki.trust_roots, crls=crls_now)

    # pyHanko's field name is a string object tied to the whole parsed document: a report
    # kept (or sent to another process) must not carry the document along.
    assert type(only(report).id) is str
    assert len(pickle.dumps(report)) < len(signed)


def test_a_pdf_changed_after_signing_fails_its_hash(pki, crls_now):
    signed = sign_pdf(pki, pki.signer, at=pki.signed_at)
    at = signed.index(PAGE_TEXT) + PAGE_TEXT.index(b"01")
    tampered = signed[:at] + b"99" + signed[at + 2 :]

    signature = only(validate("pdf", tampered, trust_roots=pki.trust_roots, crls=crls_now))

    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    assert codes(signature)[0] == "signature.hash_mismatch"
    assert signature.messages[0].vi == "Dữ liệu đã bị thay đổi sau khi ký."


def test_a_signer_outside_the_trusted_roots_has_no_chain(pki, crls_now):
    signed = sign_pdf(pki, pki.signer, at=pki.signed_at)

    signature = only(
        validate("pdf", signed, trust_roots=[pki.stranger_root.cert], crls=crls_now)
    )

    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "chain.not_found" in codes(signature)
    # The certificates the signature carries are still shown, none vouched for.
    assert signature.certificate_chain[-1].subject.common_name == "Nguyễn Văn An"
    assert {c.sub_indication for c in signature.certificate_chain} == {
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    }


def test_a_revoked_signer_without_proof_of_earlier_existence_is_reported_revoked(
    pki, crls_now
):
    signed = sign_pdf(pki, pki.revoked_signer, at=pki.signed_at)

    signature = only(validate("pdf", signed, trust_roots=pki.trust_roots, crls=crls_now))

    # ETSI EN 319 102-1: revoked, and no time-stamp proves the signature came first.
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.REVOKED_NO_POE
    signer = signature.certificate_chain[-1]
    assert signer.sub_indication is SubIndication.REVOKED_NO_POE
    assert signer.revocation.status is RevocationStatus.REVOKED
    assert signer.revocation.reason == "keyCompromise"
    assert signer.revocation.revocation_time == pki.revoked_at
    assert signer.revocation.origin is RevocationOrigin.GIVEN
    revoked = next(m for m in signature.messages if m.code == "cert.revoked")
    assert "lộ khóa bí mật" in revoked.vi
    assert "key compromise" in revoked.en
    rendered = signature.detailed("en")["signatureValidationStatus"]["certificateChain"][-1]
    assert rendered["revocation"]["revocationTime"] == pki.revoked_at.isoformat()
    assert rendered["revocation"]["revocationReasonText"] == "key compromise"


def test_a_b_lt_signature_validated_before_the_revocation_passes_on_its_own_dss(pki):
    signed = sign_pdf(pki, pki.revoked_signer, at=pki.signed_at, long_term=True)
    before_revocation = pki.signed_at + dt.timedelta(days=1)

    signature = only(
        validate("pdf", signed, trust_roots=pki.trust_roots, validation_time=before_revocation)
    )

    assert signature.format == "PAdES-B-LT"
    assert signature.validation_process == "LTVM"
    assert signature.indication is Indication.TOTAL_PASSED
    assert signature.validation_time == before_revocation
    assert signature.timestamp_times == (pki.signed_at,)
    signer = signature.certificate_chain[-1]
    assert signer.revocation.status is RevocationStatus.GOOD
    assert signer.revocation.origin is RevocationOrigin.EMBEDDED


def test_a_b_lt_signature_time_stamped_before_the_revocation_still_passes_today(
    pki, crls_now
):
    signed = sign_pdf(pki, pki.revoked_signer, at=pki.signed_at, long_term=True)

    signature = only(validate("pdf", signed, trust_roots=pki.trust_roots, crls=crls_now))

    assert signature.indication is Indication.TOTAL_PASSED
    assert signature.best_signature_time == pki.signed_at
    signer = signature.certificate_chain[-1]
    assert signer.revocation.status is RevocationStatus.REVOKED
    assert signer.revocation.revocation_time == pki.revoked_at
    assert "cert.revoked_after_poe" in codes(signature)


def test_a_b_lta_signature_whose_archive_was_renewed_before_the_revocation_passes(
    pki, crls_now
):
    signed = sign_pdf(pki, pki.revoked_signer, at=pki.signed_at, archival=True)
    renewed = renew_archival_time_stamp(pki, signed, at=pki.signed_at + dt.timedelta(days=20))

    signature = only(validate("pdf", renewed, trust_roots=pki.trust_roots, crls=crls_now))

    assert signature.format == "PAdES-B-LTA"
    assert signature.validation_process == "LTA"
    assert signature.indication is Indication.TOTAL_PASSED
    assert [ts.kind for ts in signature.timestamps] == ["signature", "document", "document"]
    assert signature.certificate_chain[-1].revocation.status is RevocationStatus.REVOKED


def test_a_b_lta_signature_not_renewed_before_the_revocation_stays_indeterminate(
    pki, crls_now
):
    # pyHanko 0.38's LTA process re-validates the signer's path at the revocation
    # time and needs revocation data fresh then, proven to exist before it; the DSS
    # only holds the CRLs of the signing day, long expired by then.
    signed = sign_pdf(pki, pki.revoked_signer, at=pki.signed_at, archival=True)

    signature = only(validate("pdf", signed, trust_roots=pki.trust_roots, crls=crls_now))

    assert signature.format == "PAdES-B-LTA"
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.TRY_LATER


def test_without_any_crl_hard_fail_waits_for_revocation_data_and_soft_fail_passes(pki):
    signed = sign_pdf(pki, pki.signer, at=pki.signed_at)

    hard = only(validate("pdf", signed, trust_roots=pki.trust_roots))
    soft = only(
        validate("pdf", signed, trust_roots=pki.trust_roots, revocation_mode="soft-fail")
    )

    assert hard.indication is Indication.INDETERMINATE
    assert hard.certificate_chain[-1].revocation.status is RevocationStatus.UNKNOWN
    assert "cert.revocation_unknown" in codes(hard)
    assert soft.indication is Indication.TOTAL_PASSED
    assert soft.certificate_chain[-1].revocation.status is RevocationStatus.UNKNOWN


def test_a_pdf_without_signature_says_so(pki):
    report = validate("pdf", blank_pdf(), trust_roots=pki.trust_roots)

    assert report.signatures == ()
    assert [m.code for m in report.messages] == ["input.no_signature"]
    assert report.simple("vi")["messages"] == ["Tài liệu không có chữ ký số nào."]


# --- CMS -------------------------------------------------------------------------------


def test_a_detached_cms_signature_holds_for_its_content_only(pki, crls_now):
    signed = sign_cms_detached(pki, pki.signer, CONTENT)

    good = only(
        validate(
            "cms", signed, detached_content=CONTENT, trust_roots=pki.trust_roots, crls=crls_now
        )
    )
    wrong = only(
        validate(
            "cms",
            signed,
            detached_content=CONTENT.replace(b"01", b"02"),
            trust_roots=pki.trust_roots,
            crls=crls_now,
        )
    )
    missing = only(validate("cms", signed, trust_roots=pki.trust_roots, crls=crls_now))

    assert (good.id, good.format, good.indication) == ("0", "CAdES-B-B", Indication.TOTAL_PASSED)
    assert good.certificate_chain[-1].subject.common_name == "Nguyễn Văn An"
    assert (wrong.indication, wrong.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.HASH_FAILURE,
    )
    assert (missing.indication, missing.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.SIGNED_DATA_NOT_FOUND,
    )


def test_a_cades_b_t_signature_outlives_a_later_revocation(pki, crls_now):
    signed = sign_cms_detached(pki, pki.revoked_signer, CONTENT, at=pki.signed_at)

    signature = only(
        validate(
            "cms", signed, detached_content=CONTENT, trust_roots=pki.trust_roots, crls=crls_now
        )
    )

    assert (signature.format, signature.validation_process) == ("CAdES-B-T", "LTVM")
    assert signature.indication is Indication.TOTAL_PASSED
    assert signature.timestamps[0].indication is Indication.TOTAL_PASSED
    assert signature.timestamps[0].tsa == "Lienthong Test TSA"


# --- XML -------------------------------------------------------------------------------


def test_an_xml_signature_holds_until_an_element_changes(pki, crls_now):
    signed = sign_xml(pki, pki.signer, DOSSIER)

    good = only(validate("xml", signed, trust_roots=pki.trust_roots, crls=crls_now))
    changed = only(
        validate(
            "xml",
            signed.replace(b"<LePhi>50000</LePhi>", b"<LePhi>5000</LePhi>"),
            trust_roots=pki.trust_roots,
            crls=crls_now,
        )
    )

    assert (good.format, good.indication) == ("XMLDSig", Indication.TOTAL_PASSED)
    assert [c.subject.common_name for c in good.certificate_chain][-1] == "Nguyễn Văn An"
    assert changed.indication is Indication.TOTAL_FAILED
    assert changed.sub_indication is SubIndication.HASH_FAILURE


def test_a_xades_signature_tells_its_signing_time(pki, crls_now):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signed = sign_xml(pki, pki.signer, DOSSIER, xades=True)

    signature = only(validate("xml", signed, trust_roots=pki.trust_roots, crls=crls_now))

    assert (signature.format, signature.indication) == ("XAdES-B-B", Indication.TOTAL_PASSED)
    assert signature.signing_time is not None
    assert signature.signing_time >= before
    assert signature.id.startswith("SignXMLSignature")


def test_an_xml_signature_by_a_revoked_signer_is_reported_revoked(pki, crls_now):
    signed = sign_xml(pki, pki.revoked_signer, DOSSIER)

    signature = only(validate("xml", signed, trust_roots=pki.trust_roots, crls=crls_now))

    assert signature.sub_indication is SubIndication.REVOKED_NO_POE
    assert signature.certificate_chain[-1].revocation.status is RevocationStatus.REVOKED


# --- input that is not what it claims to be -------------------------------------------


@pytest.mark.parametrize(
    ("kind", "garbage"),
    [
        ("pdf", b"%PDF-1.7\n\x00\x01 not really a PDF"),
        ("cms", b"\x30\x82\x01\x00 not DER at all"),
        ("xml", b"<HoSo><MaHoSo>unclosed"),
    ],
)
def test_garbage_is_a_format_failure_not_an_exception(pki, kind, garbage):
    signature = only(validate(kind, garbage, trust_roots=pki.trust_roots))

    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE
    assert codes(signature) == ["input.unreadable"]


@pytest.mark.parametrize("kind", ["pdf", "cms", "xml"])
def test_input_over_the_size_bound_is_refused_before_parsing(pki, kind):
    with pytest.raises(ValueError, match="max_bytes=1024"):
        validate(kind, b"\x00" * 1025, trust_roots=pki.trust_roots, max_bytes=1024)


def test_detached_content_over_the_size_bound_is_refused(pki):
    with pytest.raises(ValueError, match=r"detached_content.*max_bytes=16"):
        validate(
            "cms", b"", detached_content=b"x" * 17, trust_roots=pki.trust_roots, max_bytes=16
        )


# --- the texts -------------------------------------------------------------------------


def test_every_message_code_has_a_vietnamese_and_an_english_text():
    for code, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip(), code
        assert placeholders(vi) == placeholders(en), code


def test_the_report_speaks_only_the_two_languages(pki):
    report = validate("pdf", blank_pdf(), trust_roots=pki.trust_roots)

    with pytest.raises(ValueError, match="language"):
        report.simple("fr")  # type: ignore[arg-type]
