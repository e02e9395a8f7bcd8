"""The signatures service's aggregates: credentials, the units it knows, its authorities."""
