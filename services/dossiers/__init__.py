"""The dossiers service: the one-stop shop of the two-tier local government."""
