"""Where the signatures service keeps its keys: a PKCS#11 token.

Production names its HSM's token with ``LIENTHONG_PKCS11_MODULE``, ``_TOKEN`` and
``_PIN_FILE`` (:class:`lienthong.pkcs11.TokenConfig`). Without them the service makes
and keeps a SoftHSM2 token of its own (:func:`development_token`): in
``LIENTHONG_SIGNATURES_TOKEN_DIR``, else beside its SQLite file. Unit tests use
:class:`MemoryKeyStore`. Every key is generated where it is kept and never leaves it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
from typing import TYPE_CHECKING, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from lienthong.pkcs11 import KeyNotFound, Token, TokenConfig, softhsm_module
from lienthong.signing import KeySigner, SoftwareSigner

if TYPE_CHECKING:
    from pathlib import Path

DEVELOPMENT_TOKEN = "lienthong-signatures"


class KeyStore(Protocol):
    """Generates keys where they stay, and hands out their signers by label."""

    def generate(self, label: str, key_type: str) -> KeySigner: ...

    def signer(self, label: str) -> KeySigner: ...

    def destroy(self, label: str) -> None:
        """Remove a key that nothing will use (its credential was never saved)."""
        ...

    def close(self) -> None: ...


class TokenKeyStore:
    """Keys in a PKCS#11 token; signers found once are kept."""

    def __init__(self, config: TokenConfig) -> None:
        self.config = config
        # One session: calls into a PKCS#11 library are one at a time anyway
        # (lienthong.pkcs11), and a session remembers the keys it has found, so each key
        # is looked up once per process (SoftHSM2 looks through every object of the token).
        self.token = Token(config, sessions=1)
        self._signers: dict[str, KeySigner] = {}
        self._lock = threading.Lock()

    def generate(self, label: str, key_type: str) -> KeySigner:
        signer = self.token.generate_key_pair(label, key_type)
        with self._lock:
            self._signers[label] = signer
        return signer

    def signer(self, label: str) -> KeySigner:
        with self._lock:
            found = self._signers.get(label)
        if found is None:
            found = self.token.signer(label)
            with self._lock:
                self._signers[label] = found
        return found

    def destroy(self, label: str) -> None:
        with self._lock:
            self._signers.pop(label, None)
        self.token.destroy_key(label)

    def close(self) -> None:
        self.token.close()


class MemoryKeyStore:
    """Keys in this process's memory: for unit tests, never for a service that runs."""

    def __init__(self) -> None:
        self._keys: dict[str, SoftwareSigner] = {}

    def generate(self, label: str, key_type: str) -> KeySigner:
        if label in self._keys:
            msg = f"a key labelled {label!r} exists"
            raise ValueError(msg)
        if key_type.startswith("rsa-"):
            key = rsa.generate_private_key(public_exponent=65537,
                                           key_size=int(key_type.removeprefix("rsa-")))
            self._keys[label] = SoftwareSigner(key)
        elif key_type == "ec-p256":
            self._keys[label] = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
        elif key_type == "ed25519":
            self._keys[label] = SoftwareSigner(ed25519.Ed25519PrivateKey.generate())
        else:
            msg = f"unknown key type {key_type!r}"
            raise ValueError(msg)
        return self._keys[label]

    def signer(self, label: str) -> KeySigner:
        try:
            return self._keys[label]
        except KeyError:
            msg = f"no key labelled {label!r}"
            raise KeyNotFound(msg) from None

    def destroy(self, label: str) -> None:
        self._keys.pop(label, None)

    def close(self) -> None:
        self._keys.clear()


# -- a SoftHSM2 token for development ------------------------------------------------

def _softhsm_util(module: Path) -> str:
    """``softhsm2-util`` of the same packages as the library (<root>/usr/lib/softhsm/... or
    <root>/usr/lib/<multiarch>/softhsm/...), else the one on PATH."""
    for beside in (module.parents[2] / "bin" / "softhsm2-util",
                   module.parents[3] / "bin" / "softhsm2-util"):
        if beside.is_file():
            return str(beside)
    if found := shutil.which("softhsm2-util"):
        return found
    msg = "softhsm2-util is not installed (Debian: apt-get install softhsm2)"
    raise FileNotFoundError(msg)


def development_token(directory: Path) -> TokenConfig:
    """A SoftHSM2 token kept in ``directory``, made on first use, with its PIN beside it.

    SoftHSM2 reads its configuration (``SOFTHSM2_CONF``) once per process, when the
    library is first initialised: this sets it to the token's own, so it must run before
    anything else in the process opens SoftHSM2.
    """
    module = softhsm_module()
    if module is None:
        msg = ("no PKCS#11 token: set LIENTHONG_PKCS11_MODULE, _TOKEN and _PIN_FILE, or "
               "install SoftHSM2 for development (Debian: apt-get install softhsm2, or "
               "python -m lienthong.devtools.softhsm)")
        raise FileNotFoundError(msg)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tokens = directory / "tokens"
    tokens.mkdir(exist_ok=True, mode=0o700)
    conf = directory / "softhsm2.conf"
    if not conf.is_file():
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                        "log.level = ERROR\nslots.removable = false\n")
    # This token's own configuration, whatever the environment handed down (a parent's
    # token directory holds tokens of the same label).
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin_file = directory / "user.pin"
    if not pin_file.is_file():
        pin, so_pin = secrets.token_hex(8), secrets.token_hex(8)
        # --module: a util unpacked beside the library still names the system's path.
        subprocess.run([_softhsm_util(module), "--module", str(module), "--init-token",
                        "--free", "--label", DEVELOPMENT_TOKEN, "--so-pin", so_pin,
                        "--pin", pin],
                       check=True, capture_output=True,
                       env={**os.environ, "SOFTHSM2_CONF": os.environ["SOFTHSM2_CONF"]})
        pin_file.touch(mode=0o600)
        pin_file.write_text(pin + "\n")
    return TokenConfig(module=str(module), token=DEVELOPMENT_TOKEN,
                       pin=pin_file.read_text().strip())
