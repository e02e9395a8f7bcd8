"""Capture of scanned pages."""
