"""How long a record that arrived by itself is kept (0: permanently, vĩnh viễn).

Circular 10/2022/TT-BNV sets the retention of the documents common to every agency;
the sector ministries' circulars set that of their procedures' dossiers. The figures
below follow their broad lines (normative and organisational decisions, plans and
yearly reports kept permanently; routine letters ten years; land and civil-status
dossiers permanently; most other procedure dossiers twenty years). They are this
service's table, not a quotation of those texts: docs/archive.md says so, and an
agency's own retention table overrides them when it catalogues a record itself.
"""

from __future__ import annotations

import unicodedata

PERMANENT = 0

#: Document type code (as the documents service names it) -> years (0: permanent).
DOCUMENT_RETENTION: dict[str, int] = {
    "NQ": PERMANENT, "QD": PERMANENT, "CT": PERMANENT, "QC": PERMANENT, "QYD": PERMANENT,
    "DA": PERMANENT, "DAN": PERMANENT, "CTR": 20, "KH": 20, "PA": 20, "BC": 20,
    "HD": 20, "BB": 20, "TTR": 20, "HDO": 20, "BGN": 20, "BTT": 20, "TB": 10, "TC": 10,
    "CD": 10, "CV": 10, "GUQ": 10, "GM": 5, "GGT": 5, "GNP": 5, "PG": 5, "PC": 5, "PB": 5,
}
DEFAULT_DOCUMENT_RETENTION = 10

#: Words of a procedure's sector (lower case, without diacritics) -> years.
SECTOR_RETENTION: tuple[tuple[str, int], ...] = (
    ("dat dai", PERMANENT),
    ("ho tich", PERMANENT),
    ("quoc tich", PERMANENT),
    ("xay dung", PERMANENT),
    ("nuoi con nuoi", PERMANENT),
    ("dang ky kinh doanh", 20),
    ("thanh lap va hoat dong doanh nghiep", 20),
    ("bao tro xa hoi", 20),
    ("nguoi co cong", PERMANENT),
    ("chung thuc", 10),
)
DEFAULT_DOSSIER_RETENTION = 20


def for_document(document_type: str) -> int:
    return DOCUMENT_RETENTION.get(document_type, DEFAULT_DOCUMENT_RETENTION)


def for_sector(sector: str) -> int:
    """The retention of a procedure's dossiers, from its sector's name."""
    key = _plain(sector)
    return next((years for words, years in SECTOR_RETENTION if words in key),
                DEFAULT_DOSSIER_RETENTION)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
