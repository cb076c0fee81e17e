"""Multipart uploads read into memory only: reference originals must never touch the disk.

Starlette spools large uploads to temporary files; here the body (already bounded by the
BodyLimit middleware) is parsed in memory with the standard library's MIME parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from fastapi import HTTPException, Request, status


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]
    filename: str | None
    data: bytes


async def read_upload(request: Request, field: str = "file") -> Upload:
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send multipart/form-data with a '{field}' field",
        )
    body = await request.body()
    msg: Message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not msg.is_multipart():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "malformed multipart body")
    fields: dict[str, str] = {}
    file_part: tuple[str | None, bytes] | None = None
    for part in msg.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == field:
            file_part = (part.get_filename(), payload)
        elif isinstance(name, str):
            fields[name] = payload.decode("utf-8", "replace")
    if file_part is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"missing '{field}' field")
    if not file_part[1]:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "the file is empty")
    return Upload(fields, file_part[0], file_part[1])
