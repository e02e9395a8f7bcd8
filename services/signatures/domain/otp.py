"""One-time codes of the officials' authenticator apps (TOTP, RFC 6238).

Six digits, SHA-1, 30-second steps: what every authenticator app reads from an
``otpauth://`` URI. A code is accepted for the step it was made for and one
step either side (clocks drift); the credential remembers the step of the last
code it accepted, so a code is good once and an older one never again.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

import pyotp

if TYPE_CHECKING:
    import datetime as dt

DIGITS = 6
STEP_S = 30
#: Steps either side of now that a code may be for.
WINDOW = 1
ISSUER = "Lienthong"


def new_secret() -> str:
    """A fresh secret, base32 (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=account, issuer_name=ISSUER)


def step_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // STEP_S


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).generate_otp(step)


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The step ``code`` was made for, within the window around ``now``; None if none."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = step_of(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at_step(secret, step), code):
            return step
    return None
