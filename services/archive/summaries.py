"""A returned dossier as the archive keeps it: a short XML summary of what the dossiers
service published (its code, procedure, sector, unit, dates), without the applicant's
personal data, which stays in the dossiers service under its own retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from .domain.records import ArchivalRecord
    from .domain.sources import DossierSeen

NAMESPACE = "urn:lienthong:archive:dossier-summary:1"


def dossier_summary(record: ArchivalRecord, dossier: DossierSeen) -> bytes:
    root = etree.Element(f"{{{NAMESPACE}}}dossier", nsmap={None: NAMESPACE})
    for tag, text in (("fileCode", record.file_code), ("dossierCode", dossier.dossier_code),
                      ("procedureCode", dossier.procedure_code), ("sector", dossier.sector),
                      ("unitId", str(dossier.unit_id)), ("agencyCode", record.agency_code),
                      ("submitted", dossier.submitted_on.isoformat()),
                      ("resultReturned", record.description["end_date"]),
                      ("documents", str(dossier.documents)),
                      ("retentionYears", str(record.description["retention_years"]))):
        etree.SubElement(root, f"{{{NAMESPACE}}}{tag}").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
