"""TOTP second factor (RFC 6238, ``pyotp``) for officers and admins: enrol, then verify codes."""

from __future__ import annotations

import pyotp

ISSUER = "takedown"
# Roles that must enrol in production (optional in development).
NEEDS_SECOND_FACTOR = frozenset({"admin", "officer"})


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app takes (typed in, no QR code needed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def verify(secret: str, code: str) -> bool:
    """Whether ``code`` is the current (or the previous/next, for clock drift) 6-digit code."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return False
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))


def current_code(secret: str) -> str:
    return str(pyotp.TOTP(secret).now())
