"""The dossiers domain: procedures, dossiers, working days, units as dossiers know them."""
