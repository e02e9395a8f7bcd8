"""A PDF is signed at each PAdES level, by an official then by the agency, and pyHanko's
validator (which nobody here wrote) finds every signature intact, trusted and of its level;
the visible signatures sit where Decree 30/2020 puts them and say what it asks."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image, ImageDraw
from pkitools import Pki, build_pki, minimal_pdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content_stream_parser import parse_content_stream
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    async_validate_pdf_timestamp,
    validate_pdf_signature,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import ModificationLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from lienthong.services.signatures.formats.appearance import (
    AgencySignature,
    AppearanceError,
    OfficialSignature,
    vietnam_time,
)
from lienthong.services.signatures.formats.pades import PadesError, async_sign_pdf, sign_pdf
from lienthong.signing import SigningError

ISO_VIETNAM_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def pki() -> Pki:
    return build_pki()


@pytest.fixture(scope="module")
def handwriting() -> bytes:
    """A transparent PNG of a scribbled signature."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (290, 10)],
                               fill=(0, 40, 160, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def official_signs(pki: Pki, pdf: bytes, level: str, **kwargs) -> bytes:
    return sign_pdf(pdf, pki.official.signer, pki.official.certificate, pki.chain, level,
                    "Official", timestamper=pki.timestamper(),
                    validation_context=pki.validation_context(), **kwargs)


def signature(signed: bytes, field_name: str):
    reader = PdfFileReader(io.BytesIO(signed))
    return next(s for s in reader.embedded_signatures if s.field_name == field_name)


def assert_sound(status, coverage: SignatureCoverageLevel) -> None:
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == coverage
    assert status.docmdp_ok
    assert status.bottom_line


def widget(embedded) -> generic.DictionaryObject:
    field = embedded.sig_field
    return field["/Kids"][0].get_object() if "/Kids" in field else field


def shown_text(embedded) -> list[str]:
    """The lines of a signature's appearance, as its marked content's ActualText tells them."""
    stream = widget(embedded)["/AP"]["/N"]
    return [op.args[1]["/ActualText"] for op in parse_content_stream([stream])
            if op.op == "BDC" and isinstance(op.args[1], generic.DictionaryObject)]


# -- the levels -------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_makes_a_pades_signature_the_validator_trusts(pki, level):
    signed = official_signs(pki, minimal_pdf(), level)

    embedded = signature(signed, "Official")
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(embedded, pki.validation_context())
    # B-B and B-T end the file; the DSS (and document time-stamp) of B-LT/B-LTA follow it.
    expected = (SignatureCoverageLevel.ENTIRE_FILE if level in ("B-B", "B-T")
                else SignatureCoverageLevel.ENTIRE_REVISION)
    assert_sound(status, expected)
    assert status.signer_reported_dt is not None


def test_b_b_has_no_time_stamp_and_b_t_has_a_trusted_one(pki):
    basic = validate_pdf_signature(signature(official_signs(pki, minimal_pdf(), "B-B"),
                                             "Official"), pki.validation_context())
    timed = validate_pdf_signature(signature(official_signs(pki, minimal_pdf(), "B-T"),
                                             "Official"), pki.validation_context())

    assert basic.timestamp_validity is None
    stamp = timed.timestamp_validity
    assert stamp.intact and stamp.valid and stamp.trusted
    assert abs(stamp.timestamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_b_lt_carries_the_revocation_data_its_validation_needs(pki):
    signed = official_signs(pki, minimal_pdf(), "B-LT")

    reader = PdfFileReader(io.BytesIO(signed))
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.crls) == 2  # the root's (for the issuing CA) and the issuing CA's
    # Validated from the document alone: the root trusted, revocation required, nothing
    # fetched, no CRL known but those of the DSS.
    only_the_dss = dss.as_validation_context({
        "trust_roots": [pki.root.asn1], "allow_fetching": False,
        "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(reader.embedded_signatures[0], only_the_dss)
    assert_sound(status, SignatureCoverageLevel.ENTIRE_REVISION)
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.timestamp_validity.trusted


async def test_b_lta_ends_with_a_document_time_stamp_and_passes_ades_lta_validation(pki):
    signed = await async_sign_pdf(
        minimal_pdf(), pki.official.signer, pki.official.certificate, pki.chain, "B-LTA",
        "Official", timestamper=pki.timestamper(), validation_context=pki.validation_context())

    reader = PdfFileReader(io.BytesIO(signed))
    *_, last = reader.embedded_signatures
    assert last.sig_object["/Type"] == "/DocTimeStamp"
    stamp = await async_validate_pdf_timestamp(last, validation_context=pki.validation_context())
    assert stamp.intact and stamp.valid and stamp.trusted
    # The AdES long-term procedure: the root trusted, revocation required, nothing but the
    # document's own data.
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[pki.root.asn1]),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))
    result = await ades_lta_validation(signature(signed, "Official"), spec)
    assert result.ades_subindic is AdESPassed.OK, result.api_status.pretty_print_details()
    assert result.oldest_evidence_record_timestamp is not None


def test_a_level_without_what_it_needs_is_refused(pki):
    with pytest.raises(PadesError, match="time-stamper"):
        sign_pdf(minimal_pdf(), pki.official.signer, pki.official.certificate, pki.chain,
                 "B-T", "Official")
    with pytest.raises(PadesError, match="validation context"):
        sign_pdf(minimal_pdf(), pki.official.signer, pki.official.certificate, pki.chain,
                 "B-LT", "Official", timestamper=pki.timestamper())
    with pytest.raises(PadesError, match="unknown PAdES level"):
        sign_pdf(minimal_pdf(), pki.official.signer, pki.official.certificate, pki.chain,
                 "B-X", "Official")  # type: ignore[arg-type]


def test_a_certificate_of_another_key_is_refused(pki):
    with pytest.raises(SigningError, match="does not certify"):
        sign_pdf(minimal_pdf(), pki.official.signer, pki.agency.certificate, pki.chain,
                 "B-B", "Official")


def test_signing_streams_from_a_file_into_a_file(pki, tmp_path):
    source = tmp_path / "decision.pdf"
    source.write_bytes(minimal_pdf(pages=3))
    target = tmp_path / "decision-signed.pdf"

    with source.open("rb") as pdf, target.open("w+b") as output:
        returned = sign_pdf(
            pdf, pki.agency.signer, pki.agency.certificate, pki.chain, "B-LT", "Agency",
            timestamper=pki.timestamper(), validation_context=pki.validation_context(),
            output=output)

    assert returned is None
    signed = target.read_bytes()
    assert signed.startswith(source.read_bytes())  # an incremental update
    status = validate_pdf_signature(signature(signed, "Agency"), pki.validation_context())
    assert_sound(status, SignatureCoverageLevel.ENTIRE_REVISION)


# -- two signatures, as Decree 30/2020 draws them ---------------------------------------


@pytest.fixture(scope="module")
def countersigned(pki, handwriting) -> bytes:
    """A decision signed by the official (B-T, visible), then by the agency (B-LTA, top
    right of page 1)."""
    official = OfficialSignature(
        name="Nguyễn Thị Thu Hà", position="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", image=handwriting,
        box=(330, 90, 550, 230), time_label="Ký ngày: ")
    by_official = official_signs(pki, minimal_pdf(pages=2), "B-T", appearance=official,
                                 reason="Phê duyệt", location="Hà Nội")
    agency = AgencySignature(agency="Ủy ban nhân dân phường Ba Đình", notation="12/QĐ-UBND")
    return sign_pdf(by_official, pki.agency.signer, pki.agency.certificate, pki.chain,
                    "B-LTA", "Agency", timestamper=pki.timestamper(),
                    validation_context=pki.validation_context(), appearance=agency)


def test_the_official_then_the_agency_both_validate(pki, countersigned):
    official = validate_pdf_signature(signature(countersigned, "Official"),
                                      pki.validation_context())
    agency = validate_pdf_signature(signature(countersigned, "Agency"),
                                    pki.validation_context())

    assert_sound(official, SignatureCoverageLevel.ENTIRE_REVISION)
    assert official.modification_level == ModificationLevel.FORM_FILLING
    assert official.signing_cert.subject.native["common_name"] == "Nguyễn Thị Thu Hà"
    assert_sound(agency, SignatureCoverageLevel.ENTIRE_REVISION)
    assert agency.signing_cert.subject.native["common_name"] == "Ủy ban nhân dân phường Ba Đình"
    assert signature(countersigned, "Official").sig_object["/Reason"] == "Phê duyệt"


def test_the_agency_signature_sits_at_the_top_right_of_page_one(countersigned):
    reader = PdfFileReader(io.BytesIO(countersigned))
    embedded = signature(countersigned, "Agency")
    annotation = widget(embedded)

    first_page_ref = reader.find_page_for_modification(0)[0]
    first_page = first_page_ref.get_object()
    assert annotation.raw_get("/P").idnum == first_page_ref.idnum
    x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
    _, _, page_right, page_top = (float(v) for v in first_page["/MediaBox"])
    assert (page_right - x2, page_top - y2) == (10, 10)  # the default margin
    assert (x2 - x1, y2 - y1) == (200, 42)
    resources = annotation["/AP"]["/N"]["/Resources"]
    assert "/XObject" not in resources  # no image


def test_the_agency_signature_gives_agency_notation_and_vietnam_time(countersigned):
    embedded = signature(countersigned, "Agency")

    agency, notation, signed_at = shown_text(embedded)
    assert agency == "Ủy ban nhân dân phường Ba Đình"
    assert notation == "12/QĐ-UBND"
    assert ISO_VIETNAM_TIME.fullmatch(signed_at)
    assert signed_at == vietnam_time(embedded.self_reported_timestamp)


def test_the_official_signature_shows_the_image_between_position_and_name(countersigned):
    embedded = signature(countersigned, "Official")
    annotation = widget(embedded)

    assert [float(v) for v in annotation["/Rect"]] == [330, 90, 550, 230]
    xobjects = annotation["/AP"]["/N"]["/Resources"]["/XObject"]
    images = [x.get_object() for x in xobjects.values()]
    assert [x["/Subtype"] for x in images] == ["/Image"]
    assert "/SMask" in images[0]  # the PNG's transparency is kept
    lines = shown_text(embedded)
    assert lines[:3] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Thị Thu Hà"]
    assert lines[3] == "Ký ngày: " + vietnam_time(embedded.self_reported_timestamp)


def test_a_jpeg_signature_image_is_drawn_too(pki):
    out = io.BytesIO()
    Image.new("RGB", (200, 80), (255, 255, 255)).save(out, "JPEG")
    official = OfficialSignature(name="Trần Văn Bình", position="CHỦ TỊCH",
                                 image=out.getvalue(), box=(50, 50, 250, 170))

    signed = official_signs(pki, minimal_pdf(), "B-B", appearance=official)

    resources = widget(signature(signed, "Official"))["/AP"]["/N"]["/Resources"]
    assert len(resources["/XObject"]) == 1


def test_an_image_that_is_neither_png_nor_jpeg_is_refused(pki):
    official = OfficialSignature(name="Trần Văn Bình", position="CHỦ TỊCH",
                                 image=b"GIF89a not really", box=(50, 50, 250, 170))
    with pytest.raises(AppearanceError, match="PNG or JPEG"):
        official_signs(pki, minimal_pdf(), "B-B", appearance=official)


def test_a_configured_font_that_is_not_there_is_named_in_the_error(pki, monkeypatch, tmp_path):
    monkeypatch.setenv("LIENTHONG_SIGNATURE_FONT", str(tmp_path / "missing.ttf"))
    agency = AgencySignature(agency="UBND phường Ba Đình", notation="7/TB-UBND")

    with pytest.raises(AppearanceError, match=r"missing\.ttf is not a file"):
        sign_pdf(minimal_pdf(), pki.agency.signer, pki.agency.certificate, pki.chain, "B-B",
                 "Agency", appearance=agency)


def test_on_a_page_shown_rotated_the_agency_signature_is_at_the_shown_top_right(pki):
    agency = AgencySignature(agency="UBND phường Ba Đình", notation="7/TB-UBND", margin=20)

    signed = sign_pdf(minimal_pdf(rotate=90), pki.agency.signer, pki.agency.certificate,
                      pki.chain, "B-B", "Agency", appearance=agency)

    annotation = widget(signature(signed, "Agency"))
    x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
    # Turned a quarter clockwise, the page shows its left edge on top, its top edge right.
    assert (x1, 842 - y2) == (20, 20)
    assert (x2 - x1, y2 - y1) == (42, 200)
    assert [int(v) for v in annotation["/AP"]["/N"]["/Matrix"]] == [0, 1, -1, 0, 0, 0]
