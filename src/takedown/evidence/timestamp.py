"""RFC 3161 time-stamping of certified manifests through a Time-Stamp Authority (``tsa_url``).

The token (the DER ``TimeStampResp``) is stored beside the manifest snapshot it covers; anyone can
check it later with ``openssl ts -verify -data manifests/0001.json -in manifests/0001.tsr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import httpx
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

MAX_RESPONSE_BYTES: Final = 1024 * 1024
_GRANTED: Final = (0, 1)  # granted, grantedWithMods


class TimestampError(Exception):
    """The TSA could not be reached, refused, or answered something that does not fit."""


@dataclass(frozen=True)
class HttpTimestampAuthority:
    """A :class:`takedown.evidence.record.TimestampAuthority` over HTTP (RFC 3161 section 3.4).

    The TSA is configured infrastructure, not a monitored site: it is contacted directly.
    """

    url: str
    timeout: float = 20.0

    def timestamp(self, data: bytes) -> bytes:
        request = (
            TimestampRequestBuilder()
            .data(data)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        try:
            response = httpx.post(
                self.url,
                content=request.as_bytes(),
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            raise TimestampError(f"TSA unreachable: {exc}") from exc
        if response.status_code != 200:
            raise TimestampError(f"TSA answered HTTP {response.status_code}")
        raw = response.content
        if len(raw) > MAX_RESPONSE_BYTES:
            raise TimestampError("TSA answer too large")
        try:
            decoded = decode_timestamp_response(raw)
        except ValueError as exc:
            raise TimestampError(f"not a time-stamp response: {exc}") from exc
        if decoded.status not in _GRANTED:
            raise TimestampError(f"TSA refused (PKIStatus {decoded.status})")
        info = decoded.tst_info
        if info.nonce != request.nonce:
            raise TimestampError("TSA answer does not carry our nonce")
        if info.message_imprint.message != request.message_imprint.message:
            raise TimestampError("TSA stamped another hash")
        return raw
