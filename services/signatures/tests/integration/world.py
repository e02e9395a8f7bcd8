"""The signatures service as its callers meet it in the integration tests: the application
with its keys in a real SoftHSM2 token, served over gRPC on a real socket, and the
officials' authenticator apps, read from the otpauth:// URI the service hands out."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from lienthong.grpc.errors import ERROR_DOMAIN, error_details
from lienthong.services.signatures.api import add_to_server
from lienthong.services.signatures.application import SignaturesApplication, utc_now
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import TokenKeyStore
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signatures_pb2_grpc as pb_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from lienthong.pkcs11 import TokenConfig

#: Every gRPC call's deadline.
TIMEOUT = 10.0
HASH_ALGORITHMS = {signing_pb.HASH_ALGORITHM_SHA256: hashes.SHA256(),
                   signing_pb.HASH_ALGORITHM_SHA384: hashes.SHA384(),
                   signing_pb.HASH_ALGORITHM_SHA512: hashes.SHA512()}


class Clock:
    """A clock that stands still until moved, from the moment it was made."""

    def __init__(self) -> None:
        self.now = utc_now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def signatures_app(event_store: str, token: TokenConfig, *,
                   clock: Callable[[], dt.datetime] = utc_now,
                   pii_master_key_file: Path | str = "",
                   key_store: TokenKeyStore | None = None) -> SignaturesApplication:
    """The application on ``event_store`` with its keys in ``token`` (through ``key_store``
    when given); P-256 authorities (quick to generate)."""
    return SignaturesApplication(event_store, key_store=key_store or TokenKeyStore(token),
                                 clock=clock, authority_key_type="ec-p256",
                                 pii_master_key_file=pii_master_key_file)


def labels_in_token(app: SignaturesApplication) -> list[str]:
    """The labels of the private keys in the application's token."""
    key_store = app.key_store
    assert isinstance(key_store, TokenKeyStore)
    return key_store.token.labels()


def learn_unit(app: SignaturesApplication, display_name: str, agency_code: str) -> uuid.UUID:
    """A commune the service knows, saved as the identity consumer saves one it hears of."""
    unit = KnownUnit(id=uuid.uuid4(), display_name=display_name, level="commune",
                     agency_code=agency_code, province_id=None)
    app.save(unit)
    return unit.id


class Served:
    """The application's CredentialService and SigningService on 127.0.0.1:<free port>."""

    def __init__(self, app: SignaturesApplication) -> None:
        self.app = app
        self._server = ServerThread(lambda server: add_to_server(app, server))
        self._channel: grpc.Channel | None = None
        self.credentials: pb_grpc.CredentialServiceStub
        self.signing: signing_grpc.SigningServiceStub

    def __enter__(self) -> Served:
        self._server.__enter__()
        self._channel = grpc.insecure_channel(self._server.address)
        grpc.channel_ready_future(self._channel).result(timeout=TIMEOUT)
        self.credentials = pb_grpc.CredentialServiceStub(self._channel)
        self.signing = signing_grpc.SigningServiceStub(self._channel)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._channel is not None:
            self._channel.close()
        self._server.__exit__(*exc_info)

    # -- the calls the stories make ----------------------------------------------------

    def issue(self, unit_id: uuid.UUID | str, *, official_id: str = "",
              full_name: str = "Nguyễn Văn An", position: str = "Chủ tịch",
              request_id: str = "",
              key_algorithm: int = pb.KEY_ALGORITHM_EC_P256) -> pb.Credential:
        return self.credentials.IssueCredential(pb.IssueCredentialRequest(
            request_id=request_id, unit_id=str(unit_id), key_algorithm=key_algorithm,
            official=pb.Official(official_id=official_id or str(uuid.uuid4()),
                                 full_name=full_name, position=position)), timeout=TIMEOUT)

    def get(self, credential_id: str) -> pb.Credential:
        return self.credentials.GetCredential(
            pb.GetCredentialRequest(credential_id=credential_id), timeout=TIMEOUT)

    def enrol(self, credential_id: str, clock: Callable[[], dt.datetime]) -> Phone:
        """The official's app, enrolled and confirmed with the code it shows now."""
        enrolled = self.credentials.EnrollAuthenticator(
            pb.EnrollAuthenticatorRequest(credential_id=credential_id), timeout=TIMEOUT)
        phone = Phone(enrolled.provisioning_uri)
        assert phone.totp.secret == enrolled.secret_base32
        confirmed = self.credentials.ConfirmAuthenticator(pb.ConfirmAuthenticatorRequest(
            credential_id=credential_id, one_time_code=phone.code(clock())), timeout=TIMEOUT)
        assert confirmed.authenticator == pb.AUTHENTICATOR_STATUS_ACTIVE
        return phone

    def authorize(self, credential_id: str, code: str, digests: list[bytes], *,
                  on_behalf_of: str = "",
                  algorithm: int = signing_pb.HASH_ALGORITHM_SHA256,
                  ) -> signing_pb.AuthorizeSignatureResponse:
        return self.signing.AuthorizeSignature(signing_pb.AuthorizeSignatureRequest(
            credential_id=credential_id, one_time_code=code, hashes=digests,
            hash_algorithm=algorithm, on_behalf_of=on_behalf_of), timeout=TIMEOUT)

    def sign(self, credential_id: str, sad: str, digests: list[bytes],
             algorithm: int = signing_pb.HASH_ALGORITHM_SHA256) -> signing_pb.SignHashResponse:
        return self.signing.SignHash(signing_pb.SignHashRequest(
            credential_id=credential_id, sad=sad, hashes=digests, hash_algorithm=algorithm),
            timeout=TIMEOUT)


class Phone:
    """An official's authenticator app, set up from the otpauth:// URI (the QR code)."""

    def __init__(self, provisioning_uri: str) -> None:
        totp = pyotp.parse_uri(provisioning_uri)
        assert isinstance(totp, pyotp.TOTP)
        assert totp.issuer == "Lienthong"
        self.totp = totp

    def code(self, moment: dt.datetime) -> str:
        """The code the app shows at ``moment``."""
        return self.totp.at(moment)


def refused(call: Callable[..., Any], request: Any) -> dict[str, Any]:
    """Make a call that must fail: its status code, message and error details."""
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT)
    details = error_details(error.value)
    details["message"] = error.value.details() or ""
    assert "Traceback" not in details["message"]
    assert details["domain"] == ERROR_DOMAIN
    return details


def certificate_of(credential: pb.Credential) -> x509.Certificate:
    return x509.load_der_x509_certificate(credential.certificate)


def verify(credential: pb.Credential, signature: bytes, digest: bytes,
           algorithm: int = signing_pb.HASH_ALGORITHM_SHA256) -> None:
    """Raises unless ``signature`` is the credential's key's signature of ``digest``."""
    key = certificate_of(credential).public_key()
    prehashed = utils.Prehashed(HASH_ALGORITHMS[algorithm])
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, digest, ec.ECDSA(prehashed))
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, digest, padding.PKCS1v15(), prehashed)
