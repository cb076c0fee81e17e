"""SMTP with authentication, STARTTLS and implicit TLS (smtps://), against aiosmtpd."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from takedown.notices.compose import DraftNotice
from takedown.notices.send import SendError, SmtpConfig, build_message, send_message
from tests.notices.conftest import SmtpServer

SENDER = "requests@center.test"
DRAFT = DraftNotice("Removal request (case C-9)", "body\n", "en", "basis", "intl", None)


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"officer",
        b"s3cret:pw",
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def _server(**kwargs: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(**kwargs)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    yield from _server(authenticator=_authenticator, auth_require_tls=False)


@pytest.fixture
def starttls_server(tls_context: ssl.SSLContext) -> Iterator[SmtpServer]:
    yield from _server(tls_context=tls_context, require_starttls=True, authenticator=_authenticator)


@pytest.fixture
def smtps_server(tls_context: ssl.SSLContext) -> Iterator[SmtpServer]:
    # aiosmtpd does not see implicit TLS as TLS when deciding to offer AUTH.
    yield from _server(
        ssl_context=tls_context, authenticator=_authenticator, auth_require_tls=False
    )


def _send(url: str) -> str:
    config = SmtpConfig.from_url(url, SENDER, timeout=5)
    return asyncio.run(
        send_message(config, build_message(DRAFT, sender=SENDER, to=["abuse@site.test"]))
    ).message_id


def test_auth_good_and_bad(auth_server: SmtpServer) -> None:
    url = f"smtp://officer:s3cret%3Apw@127.0.0.1:{auth_server.port}"
    message_id = _send(url)
    assert [m["Message-ID"] for _, m in auth_server.mailbox.messages] == [message_id]
    with pytest.raises(SendError) as caught:
        _send(f"smtp://officer:wrong@127.0.0.1:{auth_server.port}")
    assert not caught.value.temporary and caught.value.code == 535


def test_starttls_offered_is_used_and_certificate_checked(starttls_server: SmtpServer) -> None:
    base = f"smtp://officer:s3cret%3Apw@127.0.0.1:{starttls_server.port}"
    # A self-signed certificate is refused unless verification is switched off explicitly.
    with pytest.raises(SendError) as caught:
        _send(base)
    assert not caught.value.temporary
    message_id = _send(base + "?verify=0")
    assert [m["Message-ID"] for _, m in starttls_server.mailbox.messages] == [message_id]


def test_smtps(smtps_server: SmtpServer) -> None:
    message_id = _send(f"smtps://officer:s3cret%3Apw@127.0.0.1:{smtps_server.port}?verify=0")
    assert [m["Message-ID"] for _, m in smtps_server.mailbox.messages] == [message_id]
