"""Keys kept in a PKCS#11 token: an HSM in production, SoftHSM2 in development and tests.

A :class:`Token` is one token of a PKCS#11 library (``TokenConfig``: the library's path,
the token's label, the user PIN; :meth:`TokenConfig.from_env` reads them from
``LIENTHONG_PKCS11_MODULE``, ``LIENTHONG_PKCS11_TOKEN`` and ``LIENTHONG_PKCS11_PIN_FILE``).
It generates key pairs whose private half never leaves the token (``CKA_SENSITIVE``,
not ``CKA_EXTRACTABLE``, good for signing only) and hands out :class:`Pkcs11Signer`\\ s,
the :class:`~lienthong.signing.KeySigner` of a key found by its label.

**One library, one login per process.** A PKCS#11 library is initialised once per
process (:func:`library` keeps it by path), and a login is the whole process's, not a
session's: every :class:`Token` of the same token shares one logged-in session, and the
last one closed logs out. Each :class:`Token` keeps a small pool of sessions (gRPC
handlers sign from several threads; a session runs one operation at a time), each
remembering the key handles it has found.

**One call at a time.** python-pkcs11 initialises a library with ``C_Initialize(NULL)``,
which by the PKCS#11 standard promises it is never called from two threads at once
(SoftHSM then runs without locks, and crashes if it is). So the calls into one library
are serialised by its lock (:func:`library_lock`): threads share the token safely, and
take turns in it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import queue
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, utils
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass

from lienthong.signing import SigningError, check_digest, hash_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

__all__ = ["KEY_TYPES", "KeyExists", "KeyNotFound", "Pkcs11Error", "Pkcs11Signer", "Token",
           "TokenConfig", "TokenConfigError", "TokenUnavailable", "library", "library_lock"]

#: The key pairs :meth:`Token.generate_key_pair` makes: (PKCS#11 key type, bits, EC params).
KEY_TYPES: dict[str, tuple[KeyType, int | None, bytes | None]] = {
    "rsa-2048": (KeyType.RSA, 2048, None),
    "rsa-3072": (KeyType.RSA, 3072, None),
    "ec-p256": (KeyType.EC, None, bytes.fromhex("06082a8648ce3d030107")),  # OID prime256v1
    "ed25519": (KeyType.EC_EDWARDS, None, bytes.fromhex("06032b6570")),  # OID id-Ed25519
}

# CKA_EC_PARAMS (DER) of the curves a key found in a token may be on.
_CURVES: dict[bytes, ec.EllipticCurve] = {
    bytes.fromhex("06082a8648ce3d030107"): ec.SECP256R1(),
    bytes.fromhex("06052b81040022"): ec.SECP384R1(),
    bytes.fromhex("06052b81040023"): ec.SECP521R1(),
}
_ED25519_PARAMS = {bytes.fromhex("06032b6570"),  # the OID, or the PrintableString name
                   b"\x13\x0cedwards25519"}

_RSA_MECHANISMS = {"sha256": Mechanism.SHA256_RSA_PKCS, "sha384": Mechanism.SHA384_RSA_PKCS,
                   "sha512": Mechanism.SHA512_RSA_PKCS}
# DER DigestInfo up to the digest (RFC 8017, 9.2 note 1): what CKM_RSA_PKCS signs before it.
_DIGEST_INFO = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
_ALGORITHMS = {KeyType.RSA: "rsa", KeyType.EC: "ecdsa", KeyType.EC_EDWARDS: "ed25519"}

# Errors after which a session is not given back to the pool.
_BROKEN_SESSION = (pkcs11.exceptions.SessionHandleInvalid, pkcs11.exceptions.SessionClosed,
                   pkcs11.exceptions.DeviceRemoved, pkcs11.exceptions.DeviceError,
                   pkcs11.exceptions.TokenNotPresent)
_STALE_KEY = (pkcs11.exceptions.ObjectHandleInvalid, pkcs11.exceptions.KeyHandleInvalid)
# What a return value of C_SignInit or C_Sign raises (the rest: PKCS11Error, its code).
_RETURN_VALUES: dict[int, type[pkcs11.PKCS11Error]] = {
    0x05: pkcs11.exceptions.GeneralError, 0x30: pkcs11.exceptions.DeviceError,
    0x32: pkcs11.exceptions.DeviceRemoved, 0x60: pkcs11.exceptions.KeyHandleInvalid,
    0x63: pkcs11.exceptions.KeyTypeInconsistent, 0x70: pkcs11.exceptions.MechanismInvalid,
    0x82: pkcs11.exceptions.ObjectHandleInvalid,
    0xB0: pkcs11.exceptions.SessionClosed, 0xB3: pkcs11.exceptions.SessionHandleInvalid,
    0xE0: pkcs11.exceptions.TokenNotPresent, 0x101: pkcs11.exceptions.UserNotLoggedIn,
}


class Pkcs11Error(SigningError):
    """The token refused, or holds no such key."""


class TokenConfigError(Pkcs11Error):
    """The token is not (or wrongly) configured."""


class TokenUnavailable(Pkcs11Error):
    """The library would not load, the token is not there, or it refused the PIN."""


class KeyNotFound(Pkcs11Error):
    """No key of this label in the token."""


class KeyExists(Pkcs11Error):
    """The label is already used by an object of the token."""


@dataclass(frozen=True)
class TokenConfig:
    """Where a token is: its library, its label, and the user PIN that opens it."""

    module: str  #: path of the PKCS#11 library (``.so``)
    token: str  #: the token's label
    pin: str = field(repr=False)  #: the user PIN

    @classmethod
    def from_env(cls, prefix: str = "LIENTHONG_PKCS11",
                 environ: Mapping[str, str] | None = None) -> TokenConfig:
        """``<prefix>_MODULE``, ``<prefix>_TOKEN``, and the PIN: ``<prefix>_PIN_FILE`` (a
        file holding it; a trailing newline is ignored) or, in development only,
        ``<prefix>_PIN``."""
        env = os.environ if environ is None else environ

        def required(name: str, what: str) -> str:
            value = env.get(f"{prefix}_{name}", "")
            if not value:
                msg = f"{prefix}_{name} is not set: {what}"
                raise TokenConfigError(msg)
            return value

        module = required("MODULE", "the path of the PKCS#11 library "
                                    "(SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)")
        if not Path(module).is_file():
            msg = f"{prefix}_MODULE={module}: no such file"
            raise TokenConfigError(msg)
        token = required("TOKEN", "the label of the token holding the keys")
        pin_file, pin = env.get(f"{prefix}_PIN_FILE", ""), env.get(f"{prefix}_PIN", "")
        if pin_file and pin:
            msg = f"both {prefix}_PIN_FILE and {prefix}_PIN are set: set one"
            raise TokenConfigError(msg)
        if pin_file:
            try:
                pin = Path(pin_file).read_text().rstrip("\r\n")
            except OSError as error:
                msg = f"{prefix}_PIN_FILE={pin_file}: {error.strerror or error}"
                raise TokenConfigError(msg) from error
            if not pin:
                msg = f"{prefix}_PIN_FILE={pin_file} is empty"
                raise TokenConfigError(msg)
        elif not pin:
            msg = (f"{prefix}_PIN_FILE is not set: the file holding the token's user PIN "
                   f"({prefix}_PIN, the PIN itself, for development only)")
            raise TokenConfigError(msg)
        return cls(module=module, token=token, pin=pin)


# -- SoftHSM2, the token of development and tests ----------------------------------

SOFTHSM_LIBRARY = "libsofthsm2.so"
#: A SoftHSM2 library named outright (on a machine without Debian's paths).
SOFTHSM_VARIABLE = "LIENTHONG_SOFTHSM_MODULE"


def softhsm_paths(root: Path) -> list[Path]:
    """Where Debian puts the SoftHSM2 library under ``root`` (``/`` for the system)."""
    paths = [root / "usr/lib/softhsm" / SOFTHSM_LIBRARY]
    if multiarch := sysconfig.get_config_var("MULTIARCH") or "":
        paths.append(root / "usr/lib" / multiarch / "softhsm" / SOFTHSM_LIBRARY)
    return paths


def softhsm_root(prefix: Path | None = None) -> Path:
    """Where Debian's SoftHSM2 packages are unpacked without root (``python -m
    lienthong.devtools.softhsm``, ``make install``): ``<prefix>/softhsm``, by default in
    this environment (``sys.prefix``)."""
    return Path(sys.prefix if prefix is None else prefix) / "softhsm"


def softhsm_candidates() -> list[Path]:
    """Where :func:`softhsm_module` looks, in order: ``LIENTHONG_SOFTHSM_MODULE``, the
    system's, the one unpacked into this environment."""
    named = os.environ.get(SOFTHSM_VARIABLE, "")
    return [*([Path(named)] if named else []), *softhsm_paths(Path("/")),
            *softhsm_paths(softhsm_root())]


def softhsm_module() -> Path | None:
    """The SoftHSM2 library (``libsofthsm2.so``) of this machine, if any."""
    return next((path for path in softhsm_candidates() if path.is_file()), None)


# -- the library and the login, once per process ---------------------------------

_libraries: dict[str, Any] = {}
_calls: dict[str, threading.RLock] = {}
_libraries_lock = threading.Lock()


def library(module: str | Path) -> Any:
    """The PKCS#11 library at ``module``, loaded and initialised once in this process.

    Call into it only while holding :func:`library_lock`."""
    path = str(Path(module).resolve())
    with _libraries_lock:
        loaded = _libraries.get(path)
        if loaded is None:
            try:
                loaded = pkcs11.lib(path)
            except pkcs11.PKCS11Error as error:
                msg = f"the PKCS#11 library {module} could not be loaded: {_detail(error)}"
                raise TokenUnavailable(msg) from error
            _libraries[path] = loaded
            _calls[path] = threading.RLock()
        return loaded


def library_lock(module: str | Path) -> threading.RLock:
    """The lock a thread holds while it calls into the library at ``module``."""
    library(module)
    return _calls[str(Path(module).resolve())]


# -- signing with one release of the GIL ------------------------------------------

_CKR_BUFFER_TOO_SMALL = 0x150
#: The first buffer a signature is written into: an RSA-4096 signature fits; a longer
#: one is asked again at the size the library says.
SIGNATURE_BUFFER_BYTES = 512


class _Mechanism(ctypes.Structure):
    _fields_ = (("mechanism", ctypes.c_ulong), ("parameter", ctypes.c_void_p),
                ("parameter_len", ctypes.c_ulong))


class _FunctionList(ctypes.Structure):
    """CK_FUNCTION_LIST up to C_Sign (PKCS#11 v2.40, 3.1: the order is the standard's)."""

    _fields_ = (("version", ctypes.c_ubyte * 2),
                *((f"unused_{number}", ctypes.c_void_p) for number in range(42)),
                ("C_SignInit", ctypes.c_void_p), ("C_Sign", ctypes.c_void_p))


# C_SignInit keeps the GIL (it only sets the operation up); C_Sign lets go of it while
# the key signs.
_SIGN_INIT = ctypes.PYFUNCTYPE(ctypes.c_ulong, ctypes.c_ulong, ctypes.POINTER(_Mechanism),
                               ctypes.c_ulong)
_SIGN = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong,
                         ctypes.c_char_p, ctypes.POINTER(ctypes.c_ulong))


class _SignCalls:
    """A library's C_SignInit and C_Sign, from its function list, called directly.

    python-pkcs11 lets go of the GIL three times a signature (C_SignInit, C_Sign asked
    for the length, C_Sign), and each time the signing thread must win it back from a
    busy event loop: on a loaded service that waiting took longer than the signature.
    Here the GIL is let go once, while the token signs, on the session and key
    handles python-pkcs11 opened and found. Only mechanisms without parameters.
    """

    def __init__(self, module: str) -> None:
        functions = ctypes.POINTER(_FunctionList)()
        get_function_list = ctypes.CDLL(module).C_GetFunctionList
        get_function_list.restype = ctypes.c_ulong
        get_function_list.argtypes = (ctypes.POINTER(ctypes.POINTER(_FunctionList)),)
        _check_rv(get_function_list(ctypes.byref(functions)), "C_GetFunctionList")
        self._init = _SIGN_INIT(functions.contents.C_SignInit)
        self._sign = _SIGN(functions.contents.C_Sign)

    def sign(self, session: int, key: int, mechanism: int, payload: bytes) -> bytes:
        """The signature of ``payload`` by ``key`` (call with the library's lock held)."""
        chosen = _Mechanism(mechanism, None, 0)
        _check_rv(self._init(session, ctypes.byref(chosen), key), "C_SignInit")
        size = ctypes.c_ulong(SIGNATURE_BUFFER_BYTES)
        output = ctypes.create_string_buffer(size.value)
        returned = self._sign(session, payload, len(payload), output, ctypes.byref(size))
        if returned == _CKR_BUFFER_TOO_SMALL:  # the operation is still on: ask again
            output = ctypes.create_string_buffer(size.value)
            returned = self._sign(session, payload, len(payload), output, ctypes.byref(size))
        _check_rv(returned, "C_Sign")
        return output.raw[:size.value]


def _check_rv(value: int, function: str) -> None:
    if value:
        kind = _RETURN_VALUES.get(value, pkcs11.PKCS11Error)
        raise kind(f"{function} returned {value:#x}")


_sign_calls: dict[str, _SignCalls] = {}


def _sign_calls_of(module: str) -> _SignCalls:
    """The sign calls of the library at ``module`` (loaded already by :func:`library`)."""
    path = str(Path(module).resolve())
    with _libraries_lock:
        found = _sign_calls.get(path)
        if found is None:
            found = _sign_calls[path] = _SignCalls(path)
        return found


class _Login:
    """The process's logged-in session with one token, shared by its :class:`Token`\\ s."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.users = 0


_logins: dict[tuple[str, str, bytes], _Login] = {}
_logins_lock = threading.Lock()


class _Pooled:
    """A session of the pool, and the private keys it found (by CKA_ID)."""

    def __init__(self, session: Any, generation: int) -> None:
        self.session = session
        self.keys: dict[bytes, Any] = {}
        self.generation = generation


def _detail(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Token:
    """One token of a PKCS#11 library, logged in; thread-safe.

    ``sessions`` bounds the sessions it opens (signing threads beyond that wait up to
    ``wait_s`` for one). Close it (or use it as a context manager) when done.
    """

    def __init__(self, config: TokenConfig, *, sessions: int = 4, wait_s: float = 30.0) -> None:
        if sessions < 1:
            msg = "a token needs at least one session"
            raise ValueError(msg)
        self.config = config
        self.label = config.token
        self._lib = library(config.module)
        self._calls = library_lock(config.module)
        self._signs = _sign_calls_of(config.module)
        try:
            with self._calls:
                self._token = self._lib.get_token(token_label=config.token)
        except pkcs11.exceptions.NoSuchToken:
            msg = f"no token labelled {config.token!r} in {config.module}"
            raise TokenUnavailable(msg) from None
        except pkcs11.PKCS11Error as error:
            msg = f"token {config.token!r} of {config.module}: {_detail(error)}"
            raise TokenUnavailable(msg) from error
        self._login_key = (str(Path(config.module).resolve()), config.token, self._token.serial)
        self._max_sessions = sessions
        self._wait_s = wait_s
        self._idle: queue.Queue[_Pooled] | None = None
        self._opened = 0
        self._generation = 0  # bumped when a key is destroyed: found handles are forgotten
        self._lock = threading.Lock()
        self._admin = threading.Lock()  # generating and destroying keys, one at a time
        self._closed = False
        self._log_in()

    def __repr__(self) -> str:
        return f"Token({self.label!r}, module={self.config.module!r})"

    def __enter__(self) -> Token:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _log_in(self) -> None:
        with _logins_lock, self._calls:
            login = _logins.get(self._login_key)
            if login is None:
                try:
                    session = self._token.open(rw=True, user_pin=self.config.pin)
                except pkcs11.exceptions.UserAlreadyLoggedIn:
                    # Logged in by other code of this process: a session shares that login.
                    session = self._token.open(rw=True)
                except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange,
                        pkcs11.exceptions.PinLocked) as error:
                    msg = f"token {self.label!r} refused the PIN ({type(error).__name__})"
                    raise TokenUnavailable(msg) from None
                except pkcs11.PKCS11Error as error:
                    msg = f"token {self.label!r}: cannot log in: {_detail(error)}"
                    raise TokenUnavailable(msg) from error
                login = _logins[self._login_key] = _Login(session)
            login.users += 1

    def close(self) -> None:
        """Close this token's sessions; the last token of the process logs out."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle = self._idle
        while idle is not None:
            try:
                pooled = idle.get_nowait()
            except queue.Empty:
                break
            self._close_session(pooled)
        with _logins_lock, self._calls:
            login = _logins.get(self._login_key)
            if login is not None:
                login.users -= 1
                if login.users <= 0:
                    del _logins[self._login_key]
                    # A session gone already took the login with it.
                    with contextlib.suppress(pkcs11.PKCS11Error):
                        login.session.close()

    # -- the pool --------------------------------------------------------------

    def _close_session(self, pooled: _Pooled) -> None:
        with self._lock:
            self._opened -= 1
        with self._calls, contextlib.suppress(pkcs11.PKCS11Error):  # closed by the device
            pooled.session.close()

    def _borrow(self) -> _Pooled:
        deadline = time.monotonic() + self._wait_s
        while True:
            with self._lock:
                if self._closed:
                    msg = f"token {self.label!r} is closed"
                    raise Pkcs11Error(msg)
                if self._idle is None:
                    self._idle = queue.Queue(maxsize=self._max_sessions)
                idle = self._idle
                may_open = idle.empty() and self._opened < self._max_sessions
                if may_open:
                    self._opened += 1
            if may_open:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                msg = (f"token {self.label!r}: no session free after {self._wait_s:g} s "
                       f"({self._max_sessions} in use)")
                raise Pkcs11Error(msg)
            try:  # woken now and then: a broken session closed leaves room to open one
                return idle.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
        try:
            # A session without a PIN: the process is logged in already (see _Login).
            with self._calls:
                return _Pooled(self._token.open(rw=True), self._generation)
        except pkcs11.PKCS11Error as error:
            with self._lock:
                self._opened -= 1
            msg = f"token {self.label!r}: cannot open a session: {_detail(error)}"
            raise TokenUnavailable(msg) from error

    def _give_back(self, pooled: _Pooled) -> None:
        with self._lock:
            closed = self._closed
        if closed or self._idle is None:
            self._close_session(pooled)
        else:
            self._idle.put_nowait(pooled)

    @contextlib.contextmanager
    def _session(self, doing: str) -> Iterator[_Pooled]:
        """A session of the pool; a PKCS#11 error becomes a :class:`Pkcs11Error` saying
        what was being done, and a session it broke is closed, not given back."""
        pooled, broken = self._borrow(), False
        try:
            with self._calls:
                if pooled.generation != self._generation:
                    pooled.keys.clear()
                    pooled.generation = self._generation
                yield pooled
        except pkcs11.PKCS11Error as error:
            broken = isinstance(error, _BROKEN_SESSION)
            msg = f"token {self.label!r}: {doing}: {_detail(error)}"
            raise Pkcs11Error(msg) from error
        finally:
            if broken:
                self._close_session(pooled)
            else:
                self._give_back(pooled)

    # -- keys ------------------------------------------------------------------

    def generate_key_pair(self, label: str, key_type: str) -> Pkcs11Signer:
        """A new key pair of ``key_type`` (:data:`KEY_TYPES`) stored in the token under
        ``label``: its private key is sensitive, never extractable, and signs only."""
        try:
            kind, bits, params = KEY_TYPES[key_type]
        except KeyError:
            msg = f"unsupported key type {key_type!r} (one of {', '.join(KEY_TYPES)})"
            raise Pkcs11Error(msg) from None
        if not label:
            msg = "a key needs a label"
            raise Pkcs11Error(msg)
        public_template: dict[Attribute, Any] = {
            Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.VERIFY: True,
            Attribute.ENCRYPT: False, Attribute.WRAP: False}
        if params is not None:
            public_template[Attribute.EC_PARAMS] = params
        private_template: dict[Attribute, Any] = {
            Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False, Attribute.SIGN: True, Attribute.DECRYPT: False,
            Attribute.UNWRAP: False, Attribute.DERIVE: False}
        key_id = os.urandom(16)
        with self._admin, self._session(f"generating the {key_type} key {label!r}") as pooled:
            if next(pooled.session.get_objects({Attribute.LABEL: label}), None) is not None:
                msg = f"token {self.label!r} already holds a key labelled {label!r}"
                raise KeyExists(msg)
            public, private = pooled.session.generate_keypair(
                kind, bits, id=key_id, label=label, store=True,
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                public_template=public_template, private_template=private_template)
            pooled.keys[key_id] = private
            return Pkcs11Signer(self, label, key_id, _ALGORITHMS[kind],
                                self._public_key(label, public))

    def signer(self, label: str) -> Pkcs11Signer:
        """The signer of the private key labelled ``label`` (:class:`KeyNotFound` if none)."""
        with self._session(f"reading the key {label!r}") as pooled:
            session = pooled.session
            private = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                Attribute.LABEL: label}))
            if not private:
                msg = f"token {self.label!r} holds no private key labelled {label!r}"
                raise KeyNotFound(msg)
            if len(private) > 1:
                msg = (f"token {self.label!r} holds {len(private)} private keys labelled "
                       f"{label!r}: which one signs is not clear")
                raise Pkcs11Error(msg)
            key = private[0]
            kind, key_id = key.key_type, key[Attribute.ID]
            if kind not in _ALGORITHMS:
                msg = f"token {self.label!r}: key {label!r} is a {kind!r} key, which cannot sign"
                raise Pkcs11Error(msg)
            public = next(session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                                               Attribute.ID: key_id}), None)
            if public is None:
                msg = f"token {self.label!r} holds no public key beside the key {label!r}"
                raise KeyNotFound(msg)
            pooled.keys[key_id] = key
            return Pkcs11Signer(self, label, key_id, _ALGORITHMS[kind],
                                self._public_key(label, public))

    def labels(self) -> list[str]:
        """The labels of the private keys in the token, sorted."""
        with self._session("listing the keys") as pooled:
            return sorted({key[Attribute.LABEL] for key in pooled.session.get_objects(
                {Attribute.CLASS: ObjectClass.PRIVATE_KEY})})

    def has_key(self, label: str) -> bool:
        with self._session(f"looking for the key {label!r}") as pooled:
            return next(pooled.session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                    Attribute.LABEL: label}), None) is not None

    def destroy_key(self, label: str) -> int:
        """Destroy every object labelled ``label`` (the key pair, a certificate beside it);
        returns how many. Signers of the key fail from now on."""
        with self._admin, self._session(f"destroying the key {label!r}") as pooled:
            objects = list(pooled.session.get_objects({Attribute.LABEL: label}))
            if not objects:
                msg = f"token {self.label!r} holds no key labelled {label!r}"
                raise KeyNotFound(msg)
            for obj in objects:
                obj.destroy()
            self._generation += 1
            return len(objects)

    def _sign(self, label: str, key_id: bytes, payload: bytes, mechanism: Mechanism) -> bytes:
        with self._session(f"signing with the key {label!r}") as pooled:
            key = pooled.keys.get(key_id)
            if key is None:
                key = next(pooled.session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                       Attribute.ID: key_id}), None)
                if key is None:
                    msg = f"token {self.label!r} no longer holds the key {label!r}"
                    raise KeyNotFound(msg)
                pooled.keys[key_id] = key
            try:
                return self._signs.sign(pooled.session.handle, key.handle, mechanism, payload)
            except _STALE_KEY:
                pooled.keys.pop(key_id, None)  # destroyed elsewhere: looked up again next time
                raise

    def _public_key(self, label: str, public: Any) -> PublicKeyTypes:
        """The ``cryptography`` key of a PKCS#11 public key object's attributes."""
        kind = public.key_type
        try:
            if kind == KeyType.RSA:
                return rsa.RSAPublicNumbers(
                    int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                    int.from_bytes(public[Attribute.MODULUS], "big")).public_key()
            params, point = public[Attribute.EC_PARAMS], public[Attribute.EC_POINT]
            if kind == KeyType.EC_EDWARDS and params in _ED25519_PARAMS:
                return ed25519.Ed25519PublicKey.from_public_bytes(_ec_point(point, (32,)))
            if kind == KeyType.EC and params in _CURVES:
                curve = _CURVES[params]
                size = (curve.key_size + 7) // 8
                return ec.EllipticCurvePublicKey.from_encoded_point(
                    curve, _ec_point(point, (1 + 2 * size, 1 + size)))
        except ValueError as error:
            msg = f"token {self.label!r}: the public key of {label!r} is unreadable: {error}"
            raise Pkcs11Error(msg) from error
        msg = f"token {self.label!r}: key {label!r} is of a type or curve not supported here"
        raise Pkcs11Error(msg)


def _ec_point(value: bytes, sizes: tuple[int, ...]) -> bytes:
    """The point of CKA_EC_POINT: a DER OCTET STRING around it (some tokens give it bare,
    told apart by its length)."""
    if len(value) in sizes:
        return value
    if len(value) >= 2 and value[0] == 0x04:
        length, start = value[1], 2
        if length & 0x80:
            start = 2 + (length & 0x7F)
            length = int.from_bytes(value[2:start], "big")
        if len(value) == start + length and length in sizes:
            return value[start:]
    msg = f"CKA_EC_POINT of {len(value)} bytes is no point of this curve"
    raise ValueError(msg)


class Pkcs11Signer:
    """A :class:`~lienthong.signing.KeySigner` whose private key stays in the token.

    Signatures: RSA PKCS#1 v1.5 (``CKM_SHA*_RSA_PKCS``; a digest as a DigestInfo signed
    with ``CKM_RSA_PKCS``), ECDSA (``CKM_ECDSA`` on the hash, returned DER-encoded),
    Ed25519 (``CKM_EDDSA``, data only).
    """

    def __init__(self, token: Token, label: str, key_id: bytes, key_algorithm: str,
                 public_key: PublicKeyTypes) -> None:
        self.token = token
        self.label = label
        self.key_id = key_id  #: CKA_ID, shared by the private and public key objects
        self.key_algorithm = key_algorithm
        self._public_key = public_key

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self.label!r}, {self.key_algorithm}, token={self.token.label!r})"

    def public_key(self) -> PublicKeyTypes:
        return self._public_key

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        if self.key_algorithm == "ed25519":
            return self.token._sign(self.label, self.key_id, data, Mechanism.EDDSA)
        hash_of(hash_algorithm)  # an unknown name is refused before the token is asked
        if self.key_algorithm == "rsa":
            return self.token._sign(self.label, self.key_id, data,
                                    _RSA_MECHANISMS[hash_algorithm])
        return self._ecdsa(hashlib.new(hash_algorithm, data).digest())

    def sign_digest(self, digest: bytes, hash_algorithm: str = "sha256") -> bytes:
        if self.key_algorithm == "ed25519":
            msg = (f"token {self.token.label!r}: key {self.label!r} is an Ed25519 key, "
                   "which signs data, not a digest")
            raise SigningError(msg)
        check_digest(digest, hash_algorithm)
        if self.key_algorithm == "rsa":
            return self.token._sign(self.label, self.key_id, _DIGEST_INFO[hash_algorithm] + digest,
                                    Mechanism.RSA_PKCS)
        return self._ecdsa(digest)

    def _ecdsa(self, digest: bytes) -> bytes:
        raw = self.token._sign(self.label, self.key_id, digest, Mechanism.ECDSA)
        half = len(raw) // 2  # r || s, each as long as the curve's order
        return utils.encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                          int.from_bytes(raw[half:], "big"))
