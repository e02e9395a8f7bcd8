"""The operators' tools: the ``lienthong`` command, the benchmarks' harness, the local
platform, the smoke test and the offline audit tools (verify, report, export).

They reach the services only through :mod:`lienthong.registry`; the runtime imports none of them.
"""
