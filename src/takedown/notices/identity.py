"""Whether the center's sender identity is set: the defaults must never go out in a request."""

from __future__ import annotations

from takedown.config import Settings

# The settings, by environment variable, that an installation must set before any approval.
REQUIRED = {
    "center_name": "TAKEDOWN_CENTER_NAME",
    "center_designation": "TAKEDOWN_CENTER_DESIGNATION",
    "center_email": "TAKEDOWN_CENTER_EMAIL",
    "center_signer": "TAKEDOWN_CENTER_SIGNER",
}


def sender_identity_problems(settings: Settings) -> list[str]:
    """One reason per identity setting still at its default (or empty); empty when all are set."""
    out = []
    for name, env in REQUIRED.items():
        value = str(getattr(settings, name) or "").strip()
        default = str(Settings.model_fields[name].default or "").strip()
        if not value or value == default:
            out.append(f"{env} is not set (the default sender identity must not go out)")
    email = str(settings.center_email).strip().lower()
    if email.endswith((".invalid", ".example", ".test", ".localhost")) and not any(
        "CENTER_EMAIL" in p for p in out
    ):
        out.append(f"TAKEDOWN_CENTER_EMAIL {email!r} is not a deliverable address")
    return out
