"""Officials' credentials and remote signing through gRPC on a real socket.

The application keeps its events in an SQLite file (and, for the restart, in PostgreSQL
too) and its keys in a real SoftHSM2 token; it reads a clock the tests move, so that
each one-time code is the code of a new 30-second step. The communes it knows are saved
as the identity consumer saves them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from world import (
    TIMEOUT,
    Clock,
    Served,
    certificate_of,
    labels_in_token,
    learn_unit,
    refused,
    signatures_app,
    verify,
)

from lienthong.personal import write_master_key_file
from lienthong.services.signatures.domain.credential import Credential
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signing_pb2 as signing_pb

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from lienthong.services.signatures.application import SignaturesApplication

STEP = 30  # seconds: the authenticator shows a new code each step
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
BA_DINH = ("Ủy ban nhân dân phường Ba Đình", "000.00.01.H01")
HOAN_KIEM = ("Ủy ban nhân dân phường Hoàn Kiếm", "000.00.02.H01")


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(softhsm_token, tmp_path: Path, clock: Clock) -> Iterator[SignaturesApplication]:
    application = signatures_app(f"sqlite:///{tmp_path / 'signatures.db'}", softhsm_token,
                                 clock=clock)
    application.authority()  # established before the first call, as the service does
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def commune(app: SignaturesApplication) -> uuid.UUID:
    return learn_unit(app, *BA_DINH)


@pytest.fixture
def served(app: SignaturesApplication) -> Iterator[Served]:
    with Served(app) as running:
        yield running


# -- an official's credential, from issue to signatures -----------------------------------

def test_an_official_is_issued_a_credential_and_signs_three_hashes(
        served: Served, commune: uuid.UUID, clock: Clock) -> None:
    official_id = str(uuid.uuid4())
    issued = served.issue(commune, official_id=official_id, full_name="Trần Thị Bình",
                          position="Chủ tịch Ủy ban nhân dân", request_id="cap-1")

    assert (issued.status, issued.authenticator, issued.key_algorithm) == (
        pb.CREDENTIAL_STATUS_ACTIVE, pb.AUTHENTICATOR_STATUS_NONE, pb.KEY_ALGORITHM_EC_P256)
    assert (issued.unit_id, issued.agency_code, issued.agency_name) == (str(commune),
                                                                        BA_DINH[1], BA_DINH[0])
    assert issued.official == pb.Official(official_id=official_id, full_name="Trần Thị Bình",
                                          position="Chủ tịch Ủy ban nhân dân")
    assert issued.issue_time.seconds > 0 and not issued.HasField("revocation_time")
    credential_id = issued.credential_id

    # Read back: the certificate, its chain up to the root, the subject that names the agency.
    read = served.get(credential_id)
    assert read == issued
    certificate = certificate_of(read)
    issuing, root = (x509.load_der_x509_certificate(der) for der in read.chain)
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    authorities = served.credentials.GetAuthorities(pb.GetAuthoritiesRequest(),
                                                    timeout=TIMEOUT)
    assert [c.public_bytes(serialization.Encoding.PEM).decode() for c in (issuing, root)] == [
        authorities.issuing_certificate_pem, authorities.root_certificate_pem]
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == \
        f"GOVVN-{BA_DINH[1]}"
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Trần Thị Bình"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == BA_DINH[0]
    assert read.serial_number == f"{certificate.serial_number:x}"
    assert read.not_before.ToDatetime(dt.UTC) == certificate.not_valid_before_utc
    assert read.not_after.ToDatetime(dt.UTC) == certificate.not_valid_after_utc

    # The official scans the QR code and confirms with the first code the app shows.
    phone = served.enrol(credential_id, clock)
    assert served.get(credential_id).authenticator == pb.AUTHENTICATOR_STATUS_ACTIVE

    # The desk's system asks for three hashes; the official allows them with the next code.
    clock.tick(STEP)
    documents = [digest(f"Quyết định số {n}/QĐ-UBND") for n in (12, 13, 14)]
    authorized = served.authorize(credential_id, phone.code(clock()), documents,
                                  on_behalf_of="hồ sơ 000.00.01.H01-261206-0001")
    assert authorized.sad and authorized.authorization_id
    assert authorized.expire_time.ToDatetime(dt.UTC) == clock() + dt.timedelta(minutes=5)

    # Signed in another order than authorized: one signature per hash, in the request's order.
    asked = documents[::-1]
    signed = served.sign(credential_id, authorized.sad, asked)

    assert signed.signature_algorithm == ECDSA_SHA256
    assert len(signed.signatures) == 3
    for signature, document in zip(signed.signatures, asked, strict=True):
        verify(read, signature, document)
    # Who allowed what, and what was signed, is in the credential's history.
    history = served.app.history(uuid.UUID(credential_id), Credential.Issued, "credential")
    assert [item.event_type for item in history] == [
        "Issued", "AuthenticatorEnrolled", "AuthenticatorConfirmed", "SignatureAuthorized",
        "HashesSigned"]
    signing = history[-1]
    assert signing.fields["authorization_id"] == authorized.authorization_id
    assert sorted(signing.fields["hashes"]) == sorted(d.hex() for d in documents)
    assert signing.fields["on_behalf_of"] == "hồ sơ 000.00.01.H01-261206-0001"


def test_rsa_credentials_sign_pkcs1(served: Served, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune, key_algorithm=pb.KEY_ALGORITHM_RSA_2048)
    phone = served.enrol(credential.credential_id, clock)
    clock.tick(STEP)
    document = hashlib.sha384(b"Bien ban ban giao").digest()
    authorized = served.authorize(credential.credential_id, phone.code(clock()), [document],
                                  algorithm=signing_pb.HASH_ALGORITHM_SHA384)

    signed = served.sign(credential.credential_id, authorized.sad, [document],
                         signing_pb.HASH_ALGORITHM_SHA384)

    assert credential.key_algorithm == pb.KEY_ALGORITHM_RSA_2048
    assert signed.signature_algorithm == "1.2.840.113549.1.1.12"  # sha384WithRSAEncryption
    verify(credential, signed.signatures[0], document, signing_pb.HASH_ALGORITHM_SHA384)


def test_credentials_are_listed_by_official_and_by_unit_page_by_page(
        served: Served, app: SignaturesApplication, commune: uuid.UUID) -> None:
    other = learn_unit(app, *HOAN_KIEM)
    official, colleague = str(uuid.uuid4()), str(uuid.uuid4())
    first = served.issue(commune, official_id=official)
    moved = served.issue(other, official_id=official)
    again = served.issue(commune, official_id=official)
    theirs = served.issue(commune, official_id=colleague)

    def listed(**query: object) -> list[list[str]]:
        """The ids of each page, oldest first, following the page tokens."""
        pages, token = [], ""
        while True:
            page = served.credentials.ListCredentials(pb.ListCredentialsRequest(
                page_size=2, page_token=token, **query), timeout=TIMEOUT)
            pages.append([c.credential_id for c in page.credentials])
            token = page.next_page_token
            if not token:
                return pages

    ids = {c.credential_id: name for c, name in (
        (first, "first"), (moved, "moved"), (again, "again"), (theirs, "theirs"))}
    assert [[ids[i] for i in page] for page in listed(official_id=official)] == [
        ["first", "moved"], ["again"]]
    assert [[ids[i] for i in page] for page in listed(unit_id=str(commune))] == [
        ["first", "again"], ["theirs"]]
    assert [[ids[i] for i in page] for page in listed(unit_id=str(other))] == [["moved"]]
    assert [[ids[i] for i in page] for page in listed()] == [
        ["first", "moved"], ["again", "theirs"]]
    assert listed(reissue_only=True) == [[]]
    # The listed credentials are whole: certificate and chain included.
    page = served.credentials.ListCredentials(pb.ListCredentialsRequest(
        official_id=colleague), timeout=TIMEOUT)
    assert list(page.credentials) == [served.get(theirs.credential_id)]

    # A page token belongs to its query; ids must be UUIDs.
    token = served.credentials.ListCredentials(pb.ListCredentialsRequest(
        official_id=official, page_size=1), timeout=TIMEOUT).next_page_token
    details = refused(served.credentials.ListCredentials, pb.ListCredentialsRequest(
        unit_id=str(commune), page_size=1, page_token=token))
    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in details["field_violations"]] == ["page_token"]
    details = refused(served.credentials.ListCredentials,
                      pb.ListCredentialsRequest(official_id="cán bộ 7"))
    assert details["field_violations"] == [("official_id", "UUID_FORMAT")]


# -- refusals -----------------------------------------------------------------------------

def test_bad_requests_are_invalid_arguments_naming_the_field(
        served: Served, app: SignaturesApplication, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune)
    phone = served.enrol(credential.credential_id, clock)
    clock.tick(STEP)
    code = phone.code(clock())
    keys = labels_in_token(app)
    official = pb.Official(official_id=str(uuid.uuid4()), full_name="Lê Văn Cường",
                           position="Phó Chủ tịch")

    def issue_refused(**fields: object) -> dict:
        details = refused(served.credentials.IssueCredential,
                          pb.IssueCredentialRequest(official=official, **fields))
        assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
        return details

    def authorize_refused(digests: list[bytes], on_behalf_of: str = "") -> dict:
        details = refused(served.signing.AuthorizeSignature, signing_pb.AuthorizeSignatureRequest(
            credential_id=credential.credential_id, one_time_code=code, hashes=digests,
            on_behalf_of=on_behalf_of))
        assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
        return details

    assert issue_refused(unit_id="ba-dinh")["field_violations"] == [("unit_id", "UUID_FORMAT")]
    assert issue_refused(unit_id=str(commune), key_algorithm=99)["field_violations"] == [
        ("key_algorithm", "ENUM_VALUE")]
    assert issue_refused(unit_id=str(commune), validity_days=5 * 365 + 1)[
        "field_violations"] == [("validity_days", "VALIDITY_RANGE")]
    too_many = [digest(f"trang {n}") for n in range(101)]
    assert authorize_refused(too_many)["field_violations"] == [("hashes", "HASH_COUNT")]
    assert authorize_refused([b"\x01" * 31, digest("đủ dài")])["field_violations"] == [
        ("hashes[0]", "HASH_LENGTH")]
    long_reference = "x" * 201
    assert authorize_refused([digest("a")], long_reference)["field_violations"] == [
        ("on_behalf_of", "TOO_LONG")]
    # Refused requests made no key and spent no code: the code still authorizes.
    assert labels_in_token(app) == keys
    assert served.authorize(credential.credential_id, code, [digest("a")],
                            on_behalf_of="x" * 200).sad


def test_unknown_credentials_and_units_are_not_found(served: Served) -> None:
    nobody, nowhere = str(uuid.uuid4()), str(uuid.uuid4())

    details = refused(served.credentials.GetCredential,
                      pb.GetCredentialRequest(credential_id=nobody))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.NOT_FOUND,
                                                    "CREDENTIAL_NOT_FOUND")
    assert details["metadata"]["resource_id"] == nobody
    details = refused(served.signing.AuthorizeSignature, signing_pb.AuthorizeSignatureRequest(
        credential_id=nobody, one_time_code="123456", hashes=[digest("x")]))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.NOT_FOUND,
                                                    "CREDENTIAL_NOT_FOUND")
    details = refused(served.credentials.IssueCredential, pb.IssueCredentialRequest(
        unit_id=nowhere, official=pb.Official(official_id=str(uuid.uuid4()),
                                              full_name="Lê Văn Cường", position="Chủ tịch")))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.NOT_FOUND,
                                                    "UNIT_NOT_FOUND")
    assert details["metadata"]["resource_id"] == nowhere


def test_wrong_or_spent_codes_and_sads_are_permission_denied(
        served: Served, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune)
    credential_id = credential.credential_id
    phone = served.enrol(credential_id, clock)
    clock.tick(STEP)
    code = phone.code(clock())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    authorized_hash, other_hash = digest("tờ trình"), digest("tờ trình đã sửa")

    def authorize_refused(one_time_code: str) -> dict:
        return refused(served.signing.AuthorizeSignature, signing_pb.AuthorizeSignatureRequest(
            credential_id=credential_id, one_time_code=one_time_code, hashes=[authorized_hash]))

    def sign_refused(sad: str, digests: list[bytes]) -> dict:
        return refused(served.signing.SignHash, signing_pb.SignHashRequest(
            credential_id=credential_id, sad=sad, hashes=digests))

    details = authorize_refused(wrong)
    assert (details["code"], details["reason"]) == (grpc.StatusCode.PERMISSION_DENIED,
                                                    "ONE_TIME_CODE_REFUSED")
    assert details["metadata"]["field"] == "one_time_code"
    authorized = served.authorize(credential_id, code, [authorized_hash])
    details = authorize_refused(code)  # the same code again
    assert (details["code"], details["metadata"]["field"]) == (
        grpc.StatusCode.PERMISSION_DENIED, "one_time_code")
    assert "already used" in details["message"]
    # The code of the step before is older than the one used: refused too.
    details = authorize_refused(phone.code(clock() - dt.timedelta(seconds=STEP)))
    assert details["code"] == grpc.StatusCode.PERMISSION_DENIED

    # A SAD signs only its own hashes...
    details = sign_refused(authorized.sad, [other_hash])
    assert (details["code"], details["reason"], details["metadata"]["field"]) == (
        grpc.StatusCode.PERMISSION_DENIED, "SIGNATURE_ACTIVATION_REFUSED", "sad")
    assert "other hashes" in details["message"]
    details = sign_refused(authorized.sad, [authorized_hash, other_hash])
    assert details["code"] == grpc.StatusCode.PERMISSION_DENIED
    # ...and only once.
    signed = served.sign(credential_id, authorized.sad, [authorized_hash])
    verify(credential, signed.signatures[0], authorized_hash)
    details = sign_refused(authorized.sad, [authorized_hash])
    assert (details["code"], details["metadata"]["field"]) == (
        grpc.StatusCode.PERMISSION_DENIED, "sad")
    # Bytes that are no SAD, and a SAD of another credential.
    assert sign_refused("not-a-sad", [authorized_hash])["code"] == \
        grpc.StatusCode.PERMISSION_DENIED
    colleague = served.issue(commune)
    colleague_phone = served.enrol(colleague.credential_id, clock)
    clock.tick(STEP)
    theirs = served.authorize(colleague.credential_id, colleague_phone.code(clock()),
                              [authorized_hash])
    assert sign_refused(theirs.sad, [authorized_hash])["code"] == \
        grpc.StatusCode.PERMISSION_DENIED
    # A SAD waits five minutes at most.
    clock.tick(5 * 60)
    late = refused(served.signing.SignHash, signing_pb.SignHashRequest(
        credential_id=colleague.credential_id, sad=theirs.sad, hashes=[authorized_hash]))
    assert late["code"] == grpc.StatusCode.PERMISSION_DENIED and "expired" in late["message"]


def test_a_revoked_credential_and_a_retired_unit_are_failed_preconditions(
        served: Served, app: SignaturesApplication, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune)
    credential_id = credential.credential_id
    phone = served.enrol(credential_id, clock)
    clock.tick(STEP)
    document = digest("công văn")
    pending = served.authorize(credential_id, phone.code(clock()), [document])

    revoked = served.credentials.RevokeCredential(pb.RevokeCredentialRequest(
        request_id="thu-hoi-1", credential_id=credential_id,
        reason=pb.REVOCATION_REASON_KEY_COMPROMISE), timeout=TIMEOUT)

    assert (revoked.status, revoked.revocation_reason) == (
        pb.CREDENTIAL_STATUS_REVOKED, pb.REVOCATION_REASON_KEY_COMPROMISE)
    assert revoked.revocation_time.ToDatetime(dt.UTC) == clock()
    # The SAD given before the revocation died with it; no new one is given.
    for call, request in (
            (served.signing.SignHash, signing_pb.SignHashRequest(
                credential_id=credential_id, sad=pending.sad, hashes=[document])),
            (served.signing.AuthorizeSignature, signing_pb.AuthorizeSignatureRequest(
                credential_id=credential_id, one_time_code=phone.code(clock() + dt.timedelta(
                    seconds=STEP)), hashes=[document])),
            (served.credentials.EnrollAuthenticator, pb.EnrollAuthenticatorRequest(
                credential_id=credential_id))):
        details = refused(call, request)
        assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                        "CREDENTIAL_REVOKED"), call
        assert details["metadata"]["credential_id"] == credential_id
    # The certificate is revoked for relying parties too.
    revocation = app.revocation_of(int(revoked.serial_number, 16))
    assert (revocation.reason, revocation.revoked_at) == ("key_compromise", clock())

    # Identity merged the commune away: no credential is issued under it any more.
    successor = learn_unit(app, *HOAN_KIEM)
    unit = app.known_unit(commune)
    unit.retire("merged", [successor], successor, clock().date())
    app.save(unit)
    details = refused(served.credentials.IssueCredential, pb.IssueCredentialRequest(
        unit_id=str(commune), official=credential.official))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "UNIT_RETIRED")
    assert details["metadata"]["field"] == "unit_id"
    assert details["precondition_violations"][0][0] == "UNIT_RETIRED"
    assert served.issue(successor, official_id=credential.official.official_id).agency_code \
        == HOAN_KIEM[1]


# -- retries and races --------------------------------------------------------------------

def test_a_retried_issue_returns_the_same_credential_and_makes_one_key(
        served: Served, app: SignaturesApplication, commune: uuid.UUID) -> None:
    keys = labels_in_token(app)
    official = str(uuid.uuid4())

    first = served.issue(commune, official_id=official, request_id="cap-chung-thu-7")
    retried = served.issue(commune, official_id=official, request_id="cap-chung-thu-7")

    assert retried == first
    added = sorted(set(labels_in_token(app)) - set(keys))
    assert added == [f"official-{first.credential_id}"]
    # The same request id for another request is refused, and makes no key either.
    details = refused(served.credentials.IssueCredential, pb.IssueCredentialRequest(
        request_id="cap-chung-thu-7", unit_id=str(commune),
        official=pb.Official(official_id=str(uuid.uuid4()), full_name="Nguyễn Văn An",
                             position="Chủ tịch")))
    assert details["field_violations"] == [("request_id", "REQUEST_ID_REUSED")]
    assert len(labels_in_token(app)) == len(keys) + 1
    listed = served.credentials.ListCredentials(pb.ListCredentialsRequest(
        official_id=official), timeout=TIMEOUT)
    assert [c.credential_id for c in listed.credentials] == [first.credential_id]


def test_concurrent_retries_of_one_issue_make_one_key(
        served: Served, app: SignaturesApplication, commune: uuid.UUID) -> None:
    official = str(uuid.uuid4())
    keys = labels_in_token(app)
    answers = []
    for number in range(3):
        start = threading.Barrier(2, timeout=TIMEOUT)

        def issue(request_id: str = f"cap-{number}", start: threading.Barrier = start,
                  ) -> pb.Credential:
            start.wait()
            return served.issue(commune, official_id=official, request_id=request_id)

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers.append([f.result(timeout=TIMEOUT) for f in
                            [pool.submit(issue) for _ in "ab"]])

    assert all(first == second for first, second in answers)  # one credential each
    added = set(labels_in_token(app)) - set(keys)
    assert added == {f"official-{first.credential_id}" for first, _ in answers}


def test_two_concurrent_sign_hash_calls_with_one_sad_sign_once(
        served: Served, app: SignaturesApplication, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune)
    credential_id = credential.credential_id
    phone = served.enrol(credential_id, clock)
    rounds = 3
    for number in range(rounds):
        clock.tick(STEP)
        document = digest(f"quyết định {number}")
        authorized = served.authorize(credential_id, phone.code(clock()), [document])
        start = threading.Barrier(2, timeout=TIMEOUT)

        def sign(sad: str = authorized.sad, document: bytes = document,
                 start: threading.Barrier = start) -> object:
            start.wait()
            try:
                return served.sign(credential_id, sad, [document]).signatures[0]
            except grpc.RpcError as error:
                return error.code()

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = [f.result(timeout=TIMEOUT) for f in [pool.submit(sign) for _ in "ab"]]

        [signature] = [o for o in outcomes if isinstance(o, bytes)]
        assert [o for o in outcomes if not isinstance(o, bytes)] == [
            grpc.StatusCode.PERMISSION_DENIED]
        verify(credential, signature, document)
    history = app.history(uuid.UUID(credential_id), Credential.Issued, "credential")
    assert [item.event_type for item in history].count("HashesSigned") == rounds


def test_the_signing_event_names_who_asked_for_it(
        served: Served, app: SignaturesApplication, commune: uuid.UUID, clock: Clock) -> None:
    credential = served.issue(commune)
    phone = served.enrol(credential.credential_id, clock)
    clock.tick(STEP)
    document = digest("công văn 45/UBND-VP")
    authorized = served.authorize(credential.credential_id, phone.code(clock()), [document])

    served.signing.SignHash(signing_pb.SignHashRequest(
        credential_id=credential.credential_id, sad=authorized.sad, hashes=[document]),
        timeout=TIMEOUT, metadata=[("x-actor-id", "mot-cua.que-vo"),
                                   ("x-actor-agency-code", "H27.10.01"),
                                   ("x-request-id", "ky-so-45")])

    history = app.history(uuid.UUID(credential.credential_id), Credential.Issued, "credential")
    [signed] = [item for item in history if item.event_type == "HashesSigned"]
    assert signed.fields["hashes"] == [document.hex()]
    assert (signed.metadata["actor"], signed.metadata["actor_agency_code"],
            signed.metadata["request_id"]) == ("mot-cua.que-vo", "H27.10.01", "ky-so-45")
    assert len(signed.metadata["trace_id"]) == 32


# -- persistence --------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_a_credential_survives_a_restart_and_signs_with_the_same_key(
        event_store_url: str, softhsm_token, tmp_path: Path) -> None:
    clock = Clock()
    master_key = write_master_key_file(tmp_path / "pii-master.key")

    def start() -> SignaturesApplication:
        return signatures_app(event_store_url, softhsm_token, clock=clock,
                              pii_master_key_file=master_key)

    app = start()
    try:
        commune = learn_unit(app, *BA_DINH)
        with Served(app) as served:
            issued = served.issue(commune, key_algorithm=pb.KEY_ALGORITHM_RSA_2048,
                                  request_id="cap-truoc-khi-khoi-dong-lai")
            phone = served.enrol(issued.credential_id, clock)
            before = served.get(issued.credential_id)
            root = served.credentials.GetAuthorities(pb.GetAuthoritiesRequest(),
                                                     timeout=TIMEOUT).root_certificate_pem
        keys = labels_in_token(app)
    finally:
        app.close()

    app = start()  # the same event store and token, nothing kept in memory
    try:
        with Served(app) as served:
            assert served.get(issued.credential_id) == before
            assert before.authenticator == pb.AUTHENTICATOR_STATUS_ACTIVE
            assert served.credentials.GetAuthorities(
                pb.GetAuthoritiesRequest(), timeout=TIMEOUT).root_certificate_pem == root
            # A retry of the issue made before the restart gets its answer.
            assert served.issue(commune, official_id=issued.official.official_id,
                                full_name=issued.official.full_name,
                                position=issued.official.position,
                                key_algorithm=pb.KEY_ALGORITHM_RSA_2048,
                                request_id="cap-truoc-khi-khoi-dong-lai") == before
            clock.tick(STEP)
            document = digest("biên bản sau khi khởi động lại")
            authorized = served.authorize(issued.credential_id, phone.code(clock()), [document])
            signed = served.sign(issued.credential_id, authorized.sad, [document])
        assert signed.signature_algorithm == SHA256_WITH_RSA
        verify(issued, signed.signatures[0], document)  # the certificate issued before
        assert labels_in_token(app) == keys  # no authority or key made again
    finally:
        app.close()
