"""The signatures service as the platform's registry knows it (entry point ``signatures``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.registry import ServiceSpec, SmokeRead

if TYPE_CHECKING:
    import grpc


def _get_authorities(channel: grpc.Channel, timeout: float) -> int:
    from lienthong.signatures.v1 import signatures_pb2, signatures_pb2_grpc

    stub = signatures_pb2_grpc.CredentialServiceStub(channel)
    answer = stub.GetAuthorities(signatures_pb2.GetAuthoritiesRequest(), timeout=timeout)
    return sum(1 for text in (answer.root_certificate_pem, answer.issuing_certificate_pem,
                              answer.timestamping_certificate_pem) if text)


def _list_credentials(channel: grpc.Channel, timeout: float) -> int:
    from lienthong.signatures.v1 import signatures_pb2, signatures_pb2_grpc

    stub = signatures_pb2_grpc.CredentialServiceStub(channel)
    request = signatures_pb2.ListCredentialsRequest(page_size=1)
    return len(stub.ListCredentials(request, timeout=timeout).credentials)


SMOKE_READS = (
    SmokeRead("lienthong.signatures.v1.CredentialService/GetAuthorities", _get_authorities),
    SmokeRead("lienthong.signatures.v1.CredentialService/ListCredentials", _list_credentials),
)

SERVICE = ServiceSpec(
    name="signatures",
    summary="officials' certificates, remote signing and signature validation",
    module="lienthong.services.signatures",
    default_port=50053,
    contract="lienthong.services.signatures.events:CONTRACT",
    build_app="lienthong.services.signatures.server:build_app",
    add_to_server="lienthong.services.signatures.api:add_to_server",
    consumers="lienthong.services.signatures.server:consumers",
    # Its HTTP face: CRLs, OCSP, time stamps, the CSC API (LIENTHONG_HTTP_LISTEN); the
    # validation's modules loaded once it is up.
    background="lienthong.services.signatures.server:background",
    http_port=8090,
    # Documents signed and validated in one call: up to 40 MiB, with room for the rest.
    max_request_bytes=48 * 1024 * 1024,
    # Units, their agency codes and their reorganisation come from identity's stream.
    follows=("identity",),
    smoke_reads="lienthong.services.signatures.spec:SMOKE_READS",
    benchmarks="lienthong.services.signatures.benchmarks:COMMANDS",
    resources=(("credential", "credential_id"),),
    refers_to=(("identity", "unit", "unit_id"),),
)
