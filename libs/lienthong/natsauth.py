"""NATS over mutual TLS, each service its own user: what a client connects with, and the
nats-server configuration that gives each user its own subjects and nothing else.

**Who is who.** nats-server (``tls { verify_and_map: true }``) maps a client certificate
to the user named after its subject as nats-server writes it: ``CN=identity,O=Lienthong``
for the certificate ``lienthong pki issue identity`` makes. It looks at the certificate's
e-mail and DNS names first; no user is named like a host, so a service certificate's
``localhost`` maps to nobody. A certificate no user is named after is refused
(``Authorization Violation``), as is a client without a certificate or with one from
another CA (the TLS handshake).

**What a service's user may do** (:func:`service_permissions`), and nothing else:

* publish its events (``lienthong.<service>.>``) and its checkpoints
  (``lienthong.checkpoints.<service>``);
* create, update and read its own stream and ``LIENTHONG_CHECKPOINTS`` (never delete or
  purge a stream);
* for each of its durable consumers (its ServiceSpec's ``consumer_durables()``):
  create that durable and read its state, fetch from it and acknowledge what it fetched;
  the same for its replay durable ``<durable>_replay`` on ``LIENTHONG_DLQ``; publish its
  dead letters (``lienthong.dlq.<durable>``). A service with consumers also creates
  ``LIENTHONG_DLQ`` and deletes single dead letters once their replay is committed;
* with ``stores_files``, keep files in its own Object Store bucket (:mod:`lienthong.files`,
  named after the service) and its uploads' KV bucket: write and read their subjects,
  create and read their streams, read single messages (directly too), purge an abandoned
  upload's chunks; nothing of another service's bucket;
* receive replies on its own inbox, ``_INBOX.<service>.>`` only: the messages a pull
  consumer fetches travel as replies, so no user reads another's.

**The tools' user** (:func:`tools_permissions`; ``lienthong events``, ``lienthong audit
checkpoints``, the seeds' wait) reads every stream and its consumers' state, follows
streams with ordered consumers, and sends dead letters back to their consumer
(``lienthong.dlq.replay.<durable>``); it publishes no event and deletes nothing.

**A client** (:func:`connect_options`) connects with its certificate, key and CA bundle,
``tls://`` only (a server that does not speak TLS is refused, never used in plaintext),
with the inbox of the user its certificate names. Each TLS handshake, a reconnect's too,
reads the three files again when one has changed, so a rotated certificate or CA is taken
at the next reconnect without a restart.

``python -m lienthong.natsauth --cert ... --key ... --ca ...`` prints the configuration
for the registered services (``--authorization``: the users alone, as JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from lienthong.events import dlq
from lienthong.events.jetstream import CHECKPOINT_STREAM, DLQ_STREAM, stream_name
from lienthong.files import layout
from lienthong.tls import TLSFiles
from lienthong.watched import WatchedFile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lienthong.config import Settings
    from lienthong.registry import ServiceSpec

#: The organisation every certificate of the platform's CA names (``lienthong pki``).
ORGANISATION = "Lienthong"
#: The certificate name of the platform's own tools in a deployment.
TOOLS = "tools"
#: A certificate name that can be a user here: one subject token, no wildcard.
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: Seconds a client has to finish its TLS handshake.
TLS_HANDSHAKE_TIMEOUT_S = 5.0
#: Seconds closing a connection may take: nats-py's close waits for ever on a connection
#: whose reconnects fail their TLS handshake (a certificate the server no longer takes).
CLOSE_TIMEOUT_S = 5.0


def user(name: str) -> str:
    """The NATS user of the certificate called ``name`` by ``lienthong pki``: its subject,
    as nats-server writes it."""
    return f"CN={name},O={ORGANISATION}"


def inbox_prefix(name: str) -> str:
    """Where the user of the certificate ``name`` receives its replies."""
    return f"_INBOX.{name}"


@dataclass(frozen=True)
class Permissions:
    """The subjects a user may publish to and subscribe to (everything else is denied)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    def as_config(self) -> dict[str, Any]:
        return {"publish": {"allow": list(self.publish)},
                "subscribe": {"allow": list(self.subscribe)}}


def _stream_upkeep(stream: str) -> list[str]:
    """Create a stream, bring its settings in line, read its state: never delete or purge."""
    return [f"$JS.API.STREAM.{operation}.{stream}" for operation in ("INFO", "CREATE", "UPDATE")]


def _durable(stream: str, durable: str) -> list[str]:
    """Create a durable pull consumer, read its state, fetch from it and acknowledge."""
    return [f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>"]


def _file_buckets(bucket: str) -> list[str]:
    """Keep files in the Object Store ``bucket`` and its uploads' KV bucket."""
    allowed = [f"$O.{bucket}.>", f"$KV.{layout.uploads_bucket(bucket)}.>"]
    for stream in (layout.stream_name(bucket), layout.uploads_stream_name(bucket)):
        allowed += [*_stream_upkeep(stream), f"$JS.API.STREAM.MSG.GET.{stream}",
                    f"$JS.API.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}.>",
                    f"$JS.API.STREAM.PURGE.{stream}"]
    return allowed


def service_permissions(spec: ServiceSpec) -> Permissions:
    """What the user of ``spec``'s certificate may do (see the module's docstring)."""
    own = stream_name(spec.name)
    publish = [f"lienthong.{spec.name}.>", *_stream_upkeep(own), f"$JS.API.STREAM.MSG.GET.{own}",
               f"lienthong.checkpoints.{spec.name}", *_stream_upkeep(CHECKPOINT_STREAM),
               f"$JS.API.STREAM.MSG.GET.{CHECKPOINT_STREAM}"]
    durables = spec.consumer_durables()
    if durables:
        publish += [*_stream_upkeep(DLQ_STREAM), f"$JS.API.STREAM.MSG.DELETE.{DLQ_STREAM}"]
    for followed, durable in durables:
        publish += [*_durable(stream_name(followed), durable),
                    *_durable(DLQ_STREAM, f"{durable}_replay"),
                    dlq.dead_letter_subject(durable)]
    if spec.stores_files:
        publish += _file_buckets(layout.bucket_for(spec.name))
    return Permissions(tuple(publish), (f"{inbox_prefix(spec.name)}.>",))


def tools_permissions(name: str = TOOLS) -> Permissions:
    """What the tools' user (certificate ``name``) may do: read, follow, replay."""
    return Permissions(
        ("$JS.API.STREAM.LIST", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.MSG.GET.*",
         "$JS.API.CONSUMER.LIST.*",
         # Ordered consumers: ephemeral, pushed to the tools' inbox, flow-controlled (a
         # long stream stalls without the flow-control replies).
         "$JS.API.CONSUMER.CREATE.*", "$JS.FC.>",
         dlq.replay_subject("*")),
        (f"{inbox_prefix(name)}.>",))


def _checked_names(specs: Sequence[ServiceSpec], tools: Sequence[str]) -> None:
    names = [spec.name for spec in specs]
    for name in [*names, *tools]:
        if not USER_NAME.match(name):
            msg = (f"{name!r} cannot name a NATS user: lower-case letters, digits, '_' and "
                   "'-', at most 63")
            raise ValueError(msg)
    everyone = [*names, *tools]
    if twice := sorted({name for name in everyone if everyone.count(name) > 1}):
        msg = f"{twice[0]!r} would name two users: each service and each tools' name is one"
        raise ValueError(msg)


def authorization(specs: Sequence[ServiceSpec], *,
                  tools: Sequence[str] = (TOOLS,)) -> dict[str, Any]:
    """nats-server's ``authorization`` settings: a user for each service of ``specs`` and
    for each tools' certificate name, each allowed its own subjects."""
    _checked_names(specs, tools)
    users = [{"user": user(spec.name), "permissions": service_permissions(spec).as_config()}
             for spec in specs]
    users += [{"user": user(name), "permissions": tools_permissions(name).as_config()}
              for name in tools]
    return {"users": users}


def server_settings(specs: Sequence[ServiceSpec], server: TLSFiles, *,
                    tools: Sequence[str] = (TOOLS,)) -> dict[str, Any]:
    """nats-server's ``tls`` and ``authorization`` settings: mutual TLS with ``server``'s
    files, each client certificate mapped to its user (:func:`authorization`)."""
    return {"tls": {"cert_file": str(server.cert), "key_file": str(server.key),
                    "ca_file": str(server.ca), "verify_and_map": True,
                    "timeout": TLS_HANDSHAKE_TIMEOUT_S},
            "authorization": authorization(specs, tools=tools)}


def server_config(specs: Sequence[ServiceSpec], server: TLSFiles, *,
                  tools: Sequence[str] = (TOOLS,)) -> str:
    """:func:`server_settings` as a nats-server configuration file."""
    settings = server_settings(specs, server, tools=tools)
    return ("# Generated by lienthong.natsauth: mutual TLS, one user per certificate\n"
            "# (its subject), each allowed its own subjects only.\n"
            + "".join(f"{key}: {json.dumps(value, indent=2)}\n"
                      for key, value in settings.items()))


# -- the client side ---------------------------------------------------------------------


class _CurrentFiles(ssl.SSLContext):
    """A client context whose every handshake uses the files as they are at that moment
    (read again when one has changed)."""

    def __new__(cls, files: TLSFiles) -> _CurrentFiles:  # files: read by __init__
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self, files: TLSFiles) -> None:
        self.files = files
        self._watched = [WatchedFile(p) for p in (files.cert, files.key, files.ca)]
        self._context = self._load()

    def _load(self) -> ssl.SSLContext:
        for file in self._watched:
            file.changed()
        context = ssl.create_default_context(cafile=str(self.files.ca))
        context.load_cert_chain(self.files.cert, self.files.key)
        return context

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        if any([file.changed() for file in self._watched]):  # every file's stamp taken
            self._context = self._load()
        return self._context.wrap_bio(*args, **kwargs)


class _UpgradedConnectionNotice(logging.Filter):
    """Drops asyncio's warning at the close of each connection upgraded to TLS after it was
    opened, as a NATS client's is ("returning true from eof_received() has no effect when
    using ssl"): its stream protocol still takes it for plaintext; nothing is lost."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "eof_received() has no effect when using ssl" not in record.getMessage()


_UPGRADED_CONNECTION_NOTICE = _UpgradedConnectionNotice()


def client_context(files: TLSFiles) -> ssl.SSLContext:
    """A client's TLS: its certificate and key, and the CA bundle the server's certificate
    must chain to (its host checked); every handshake reads changed files again."""
    return _CurrentFiles(files)


def certificate_name(files: TLSFiles) -> str:
    """The name (common name) of a client certificate: the user it is on NATS."""
    certificate = x509.load_pem_x509_certificate(files.cert.read_bytes())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        msg = f"{files.cert} has no common name: NATS maps no user to it"
        raise ValueError(msg)
    return str(names[0].value)


def connect_options(url: str, files: TLSFiles | None) -> dict[str, Any]:
    """Keyword arguments of ``nats.connect``: the server, and with ``files`` mutual TLS
    (``tls://``: TLS or nothing) and the inbox of the user the certificate names. None:
    plaintext, as given."""
    if files is None:
        return {"servers": [url]}
    logging.getLogger("asyncio").addFilter(_UPGRADED_CONNECTION_NOTICE)  # once
    return {"servers": [re.sub(r"^nats://", "tls://", url)], "tls": client_context(files),
            "inbox_prefix": inbox_prefix(certificate_name(files))}


def service_files(settings: Settings) -> TLSFiles | None:
    """A service's NATS client files: ``LIENTHONG_NATS_TLS_CERT``, ``_KEY`` and ``_CA``,
    else its own server certificate (it carries clientAuth), else none (plaintext)."""
    return (TLSFiles.from_paths(settings.nats_tls_cert, settings.nats_tls_key,
                                settings.nats_tls_ca)
            or TLSFiles.from_paths(settings.tls_cert, settings.tls_key, settings.tls_ca))


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m lienthong.natsauth --cert C --key K --ca CA [--tools NAME]...``, or
    ``--authorization`` for the users alone (JSON)."""
    from lienthong import registry

    parser = argparse.ArgumentParser(
        prog="python -m lienthong.natsauth",
        description="Print nats-server's TLS and users for the registered services.")
    parser.add_argument("--cert", help="the NATS server's certificate (PEM)")
    parser.add_argument("--key", help="its private key (PEM)")
    parser.add_argument("--ca", help="the CA bundle client certificates chain to (PEM)")
    parser.add_argument("--tools", action="append",
                        help=f"a tools' certificate name (repeatable; default {TOOLS})")
    parser.add_argument("--authorization", action="store_true",
                        help="only the authorization settings, as JSON (no TLS files)")
    args = parser.parse_args(argv)
    tools = args.tools or [TOOLS]
    try:
        if args.authorization:
            print(json.dumps(authorization(registry.services(), tools=tools), indent=2))
            return
        if not (args.cert and args.key and args.ca):
            parser.error("--cert, --key and --ca name the server's TLS files")
        print(server_config(registry.services(), TLSFiles(Path(args.cert), Path(args.key),
                                                          Path(args.ca)), tools=tools), end="")
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
