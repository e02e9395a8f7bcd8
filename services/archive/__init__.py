"""The archive service: agencies' fonds and records, paper records digitized with
quality control at capture and Vietnamese OCR into sealed PDF/A, archival packages
(E-ARK CSIP in BagIt) checked for fixity as long as they are kept, and fonds handed on
to the successors of merged, divided or dissolved agencies."""
