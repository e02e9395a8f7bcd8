"""SoftHSM2 tokens for tests: one token directory per test process, a fresh token per test.

SoftHSM reads its configuration (``SOFTHSM2_CONF``) and its token directory once, when
the library is first initialised in a process; a token another process initialises
later (``softhsm2-util --init-token``) stays invisible to it. So the tests' tokens are
all kept in one temporary directory, set up before the library is first loaded, and
each new token is initialised in this process, through the library itself
(``C_InitToken`` on its free slot, then ``C_InitPIN``), where it is seen at once.

The library is the one :func:`lienthong.pkcs11.softhsm_module` finds:
``LIENTHONG_SOFTHSM_MODULE``, the system's (Debian's paths), or the copy ``python -m
lienthong.devtools.softhsm`` unpacks into the virtualenv.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong.pkcs11 import SOFTHSM_VARIABLE, softhsm_candidates, softhsm_module

if TYPE_CHECKING:
    from lienthong.pkcs11 import TokenConfig

MODULE_VARIABLE = SOFTHSM_VARIABLE
REQUIRE_VARIABLE = "LIENTHONG_REQUIRE_SOFTHSM"


class SoftHsmUnavailable(RuntimeError):
    """No SoftHSM2 library here."""


class SoftHsmError(RuntimeError):
    """SoftHSM2 is here but would not initialise a token."""


def softhsm_required() -> bool:
    """CI sets LIENTHONG_REQUIRE_SOFTHSM=1: a missing SoftHSM2 then fails the PKCS#11 tests."""
    return os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0", "false", "no")


class SoftHsm:
    """SoftHSM2 with its token directory ``directory``: only one per process counts (the
    first that loads the library), so use :func:`process_softhsm`."""

    def __init__(self, module: Path, directory: Path) -> None:
        self.module = module.resolve()
        self.directory = directory
        (directory / "tokens").mkdir(parents=True, exist_ok=True)
        self.conf = directory / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                             "objectstore.backend = file\nlog.level = ERROR\n"
                             "slots.removable = false\n")
        os.environ["SOFTHSM2_CONF"] = str(self.conf)

    def new_token(self, label: str | None = None) -> TokenConfig:
        """A newly initialised token (a unique label unless given; a random user PIN)."""
        import pkcs11

        from lienthong.pkcs11 import TokenConfig, library, library_lock

        label = label or f"test-{secrets.token_hex(6)}"
        if len(label.encode()) > 32:
            msg = f"a token label is at most 32 bytes: {label!r}"
            raise ValueError(msg)
        pin, so_pin = secrets.token_hex(4), secrets.token_hex(4)
        with library_lock(self.module):
            lib = library(self.module)
            free = next((slot for slot in lib.get_slots(token_present=True)
                         if not slot.get_token().flags & pkcs11.TokenFlag.TOKEN_INITIALIZED),
                        None)
            if free is None:
                msg = f"SoftHSM ({self.module}) shows no free slot to initialise a token in"
                raise SoftHsmError(msg)
            init_token = ctypes.CDLL(str(self.module)).C_InitToken  # the library loaded above
            init_token.argtypes = [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong,
                                   ctypes.c_char_p]
            init_token.restype = ctypes.c_ulong
            result = init_token(free.slot_id, so_pin.encode(), len(so_pin),
                                label.encode().ljust(32))
            if result != 0:
                msg = f"C_InitToken of {label!r} failed: CKR 0x{result:x}"
                raise SoftHsmError(msg)
            with lib.get_token(token_label=label).open(rw=True, so_pin=so_pin) as session:
                session.init_pin(pin)
        return TokenConfig(module=str(self.module), token=label, pin=pin)


_process: SoftHsm | None = None
_process_lock = threading.Lock()


def process_softhsm() -> SoftHsm:
    """The SoftHSM2 of this process, its token directory a temporary one removed at exit."""
    global _process  # noqa: PLW0603 - one token directory per process, as SoftHSM has
    with _process_lock:
        if _process is None:
            module = softhsm_module()
            if module is None:
                looked = ", ".join(str(path) for path in softhsm_candidates())
                msg = (f"no SoftHSM2 library (looked at {looked}); install the Debian package "
                       f"softhsm2, or run python -m lienthong.devtools.softhsm, or set "
                       f"{MODULE_VARIABLE}")
                raise SoftHsmUnavailable(msg)
            directory = Path(tempfile.mkdtemp(prefix="lienthong-softhsm-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            _process = SoftHsm(module, directory)
        return _process


def fresh_token(label: str | None = None) -> TokenConfig:
    """A new token of this process's SoftHSM2 (:class:`SoftHsmUnavailable` if none)."""
    return process_softhsm().new_token(label)
