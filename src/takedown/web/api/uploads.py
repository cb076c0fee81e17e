"""Multipart uploads parsed as they stream in, into memory only: originals never touch the disk.

Starlette would spool large uploads to temporary files; here the body is fed chunk by chunk to
python-multipart's streaming parser, the file part collects into one ``bytearray`` (no second
copy of the whole body), and a body over the endpoint's limit is refused while it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELDS = 20
MAX_FIELD_BYTES = 10_000


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]
    filename: str | None
    data: bytes


class _Collector:
    """The parser's callbacks: headers of each part, the file's bytes, small text fields."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.fields: dict[str, str] = {}
        self.file: bytearray | None = None
        self.filename: str | None = None
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._buf = bytearray()
        self._is_file = False

    def part_begin(self) -> None:
        self._headers, self._name, self._buf, self._is_file = {}, None, bytearray(), False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name, self._header_value = bytearray(), bytearray()

    def headers_finished(self) -> None:
        _disp, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        self._name = name.decode("utf-8", "replace") if name is not None else None
        if self._name == self.field:
            if self.file is not None:
                raise _RefusedError(422, f"more than one '{self.field}' field")
            self._is_file = True
            self.file = bytearray()
            raw = params.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file and self.file is not None:
            self.file += data[start:end]
            return
        self._buf += data[start:end]
        if len(self._buf) > MAX_FIELD_BYTES:
            raise _RefusedError(422, f"form field {self._name!r} is too long")

    def part_end(self) -> None:
        if not self._is_file and self._name is not None:
            if len(self.fields) >= MAX_FIELDS:
                raise _RefusedError(422, "too many form fields")
            self.fields[self._name] = self._buf.decode("utf-8", "replace")

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }


class _RefusedError(Exception):
    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        self.detail = detail


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"request body larger than the limit of {limit} bytes"
    )


async def read_upload(request: Request, field: str = "file", limit: int | None = None) -> Upload:
    """The multipart body's ``field`` file and its other (small) fields, within ``limit`` bytes."""
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send multipart/form-data with a '{field}' field",
        )
    if limit is None:
        limit = request.app.state.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    _ctype, params = parse_options_header(ctype)
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "multipart body without a boundary")
    collector = _Collector(field)
    seen = 0
    try:
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise _too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except _RefusedError as exc:
        raise HTTPException(exc.code, exc.detail) from None
    except (MultipartParseError, ValueError) as exc:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"malformed multipart body: {exc}"
        ) from None
    if collector.file is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"missing '{field}' field")
    if not collector.file:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    data = bytes(collector.file)
    collector.file = None
    return Upload(collector.fields, collector.filename, data)
