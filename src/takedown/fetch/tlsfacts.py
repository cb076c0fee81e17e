"""The certificate a TLS server presents, as evidence facts (subject, issuer, validity, SHA-256).

The browser's TLS runs end to end inside the guard proxy's tunnel, so the proxy cannot read the
certificate from that stream; it opens one more handshake to the very address (or through the
same upstream proxy) right after the tunnel and records what that server presents.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass

from cryptography import x509


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    not_before: str
    not_after: str
    sha256: str
    serial: str
    tls_version: str = ""


def certificate_facts(der: bytes, tls_version: str = "") -> CertificateFacts:
    """Parse a DER certificate into the facts a court needs."""
    cert = x509.load_der_x509_certificate(der)
    return CertificateFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        sha256=hashlib.sha256(der).hexdigest(),
        serial=format(cert.serial_number, "x"),
        tls_version=tls_version,
    )


def _context() -> ssl.SSLContext:
    # Evidence sites often have broken certificates: record whatever is presented.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def probe_certificate(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    server_name: str,
    *,
    timeout: float = 5.0,
) -> CertificateFacts | None:
    """Run a TLS handshake on an open stream and return the server's certificate; None if not TLS."""
    try:
        async with asyncio.timeout(timeout):
            sni = None if _is_address(server_name) else server_name
            await writer.start_tls(_context(), server_hostname=sni)
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            version = ssl_object.version() if ssl_object else ""
    except (OSError, ssl.SSLError, TimeoutError, ValueError):
        return None
    finally:
        writer.close()
    if not der:
        return None
    try:
        return certificate_facts(der, version or "")
    except ValueError:
        return None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
