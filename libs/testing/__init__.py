"""Test helpers: free ports, a real nats-server, a PostgreSQL database per test."""
