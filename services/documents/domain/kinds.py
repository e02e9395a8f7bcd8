"""What a document is, as Decree 30/2020 on clerical work names it.

Its Appendix III gives each type of administrative document the abbreviation its
notation carries (``05/QĐ-UBND``); an official letter (công văn) has none, its
notation names the issuer and the drafting unit (``12/UBND-VP``). The signer's
authority (thẩm quyền ký) is written before the position: TM. (on behalf of a
collective body), KT. (for the head, by a deputy), TL. (by order), TUQ. (by
delegation), Q. (acting).
"""

from __future__ import annotations

#: Decree 30/2020, Appendix III: document type code -> (name, abbreviation).
DOCUMENT_TYPES: dict[str, tuple[str, str]] = {
    "NQ": ("Nghị quyết", "NQ"),
    "QD": ("Quyết định", "QĐ"),
    "CT": ("Chỉ thị", "CT"),
    "QC": ("Quy chế", "QC"),
    "QYD": ("Quy định", "QyĐ"),
    "TC": ("Thông cáo", "TC"),
    "TB": ("Thông báo", "TB"),
    "HD": ("Hướng dẫn", "HD"),
    "CTR": ("Chương trình", "CTr"),
    "KH": ("Kế hoạch", "KH"),
    "PA": ("Phương án", "PA"),
    "DA": ("Đề án", "ĐA"),
    "DAN": ("Dự án", "DA"),
    "BC": ("Báo cáo", "BC"),
    "BB": ("Biên bản", "BB"),
    "TTR": ("Tờ trình", "TTr"),
    "HDO": ("Hợp đồng", "HĐ"),
    "CD": ("Công điện", "CĐ"),
    "BGN": ("Bản ghi nhớ", "BGN"),
    "BTT": ("Bản thỏa thuận", "BTT"),
    "GUQ": ("Giấy ủy quyền", "GUQ"),
    "GM": ("Giấy mời", "GM"),
    "GGT": ("Giấy giới thiệu", "GGT"),
    "GNP": ("Giấy nghỉ phép", "GNP"),
    "PG": ("Phiếu gửi", "PG"),
    "PC": ("Phiếu chuyển", "PC"),
    "PB": ("Phiếu báo", "PB"),
    "CV": ("Công văn", ""),
}
#: Types that may be legal normative documents (văn bản quy phạm pháp luật) of a
#: commune or province: its council's resolutions, its committee's decisions.
LEGAL_NORMATIVE_TYPES = frozenset({"NQ", "QD"})
OFFICIAL_LETTER = "CV"

#: The signer's authority, as written before the position ("" when the head signs).
AUTHORITIES = ("", "TM.", "KT.", "TL.", "TUQ.", "Q.")

#: Mức độ khẩn: how fast it must travel.
URGENCIES = ("normal", "urgent", "very_urgent", "immediate")
URGENCY_NAMES = {"normal": "", "urgent": "Khẩn", "very_urgent": "Thượng khẩn",
                 "immediate": "Hỏa tốc"}
#: Độ mật: secret documents are numbered in a series of their own.
CONFIDENTIALITIES = ("normal", "confidential", "secret", "top_secret")
CONFIDENTIALITY_NAMES = {"normal": "", "confidential": "Mật", "secret": "Tối mật",
                         "top_secret": "Tuyệt mật"}
