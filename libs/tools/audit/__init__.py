"""Audit tools that work on a copy of the log, offline: verify, report, export."""
