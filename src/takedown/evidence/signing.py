"""Ed25519 signatures on custody and audit entries, and signed chain heads kept next to the key.

A hash chain alone can be recomputed by anyone who can write the data folder. Each entry's hash is
therefore signed with a key kept outside that folder (``TAKEDOWN_SIGNING_KEY_FILE``), and the
newest (count, last hash) of every chain is kept as a signed, monotonically increasing *head*
in a folder beside the key, so removing the last entries of a chain is detected too. The public
key (``takedown evidence public-key``) goes to the police with every bundle.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    from takedown.config import Settings

DEFAULT_KEY_DIR: Final = Path("~/.config/takedown/homes")
AUDIT_CHAIN: Final = "audit"


class SigningError(Exception):
    """The signing key is missing, unreadable or misplaced; the message says what to do."""


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Head:
    """The signed newest state of one chain: how many entries, and the hash of the last."""

    chain: str
    count: int
    last: str
    at: str
    signature: str = ""

    def body(self) -> bytes:
        data = asdict(self)
        data.pop("signature")
        return _canonical(data)


class Verifier:
    """Checks signatures with a public key (the one published with bundles)."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key

    @classmethod
    def from_pem(cls, pem: bytes) -> Verifier:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise SigningError("the public key is not an Ed25519 key")
        return cls(key)

    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> str:
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return raw.hex()[:16]

    def valid(self, message: bytes, signature: str | None) -> bool:
        if not signature:
            return False
        try:
            self.public_key.verify(base64.b64decode(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def head_valid(self, head: Head) -> bool:
        return self.valid(head.body(), head.signature)


class Signer(Verifier):
    """Signs with the private key; :class:`HeadStore` keeps the signed chain heads beside it."""

    def __init__(self, private_key: Ed25519PrivateKey, key_file: Path | None = None) -> None:
        super().__init__(private_key.public_key())
        self._private = private_key
        self.key_file = key_file

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    def sign_head(self, chain: str, count: int, last: str) -> Head:
        head = Head(chain, count, last, datetime.now(UTC).isoformat())
        return Head(**{**asdict(head), "signature": self.sign(head.body())})

    @property
    def heads(self) -> HeadStore | None:
        if self.key_file is None:
            return None
        return HeadStore(self.key_file.parent / f"{self.key_file.name}.heads")


def load_signer(key_file: Path, *, create: bool = False) -> Signer:
    """Read the PEM private key at ``key_file``; with ``create``, generate it (0600) if missing."""
    path = key_file.expanduser()
    if not path.exists():
        if not create:
            raise SigningError(f"no signing key at {path}: set TAKEDOWN_SIGNING_KEY_FILE")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 private key")
    return Signer(key, path)


def key_file_for(home: Path, configured: Path | None, *, production: bool) -> Path:
    """Where the signing key lives: explicit in production, and never inside the data home."""
    if configured is None:
        if production:
            raise SigningError("production mode needs TAKEDOWN_SIGNING_KEY_FILE (outside the home)")
        # One key (and one set of signed heads) per installation, outside its home.
        digest = hashlib.sha256(str(home.expanduser().absolute()).encode()).hexdigest()[:16]
        return DEFAULT_KEY_DIR.expanduser() / digest / "signing.key"
    path = configured.expanduser().absolute()
    inside = path.is_relative_to(home.expanduser().absolute())
    if production and inside:
        raise SigningError(f"the signing key {path} must be kept outside the data home {home}")
    return path


class HeadStore:
    """One signed head file per chain in a folder beside the key; heads only ever grow."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, chain: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in chain)
        return self.folder / f"{safe}.json"

    def get(self, chain: str) -> Head | None:
        try:
            data = json.loads(self._path(chain).read_text())
            return Head(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError(f"the head of {chain} is unreadable: {exc}") from exc

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def advance(self, signer: Signer, chain: str, count: int, last: str) -> Head:
        """Store a new head unless the stored one is already as long (heads never shrink)."""
        with self._locked():
            current = self.get(chain)
            if current is not None and current.count >= count:
                return current
            head = signer.sign_head(chain, count, last)
            path = self._path(chain)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(head), sort_keys=True))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            return head


def signer_from_settings(settings: Settings) -> Signer:
    """The signer of this installation: created on first use in development only."""
    production = settings.mode == "production"
    path = key_file_for(settings.home, settings.signing_key_file, production=production)
    return load_signer(path, create=not production)


def existing_signer(settings: Settings) -> Signer | None:
    """The signer if its key exists (never creates one): for verification commands."""
    production = settings.mode == "production"
    path = key_file_for(settings.home, settings.signing_key_file, production=production)
    return load_signer(path) if path.exists() else None
