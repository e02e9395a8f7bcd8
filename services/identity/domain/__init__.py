"""The identity domain: administrative units, agency codes and their lineage."""
