"""A complete, made-up sender identity: without one no deletion request can be approved."""

from __future__ import annotations

CENTER_IDENTITY: dict[str, str] = {
    "center_name": "Harbor City Support Office",
    "center_designation": "designated reporting body no. 7",
    "center_email": "requests@center.example.org",
    "center_signer": "Officer 12, Requests Desk",
}
