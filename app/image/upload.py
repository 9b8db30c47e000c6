"""A ``multipart/form-data`` body read in memory: its text fields and its files, nothing on disk.

Starlette's form parser spools files over 1 MB to a temporary file, and the server may run
in a read-only container; the body is already in memory (the app's body limits capped it),
so it is parsed here with python-multipart's streaming parser into bytes. Field counts and
sizes are capped, so a body of ten thousand tiny fields is refused rather than parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

from app.errors import BodyRejectedError
from app.middleware import CLOSE

#: Most parts in one body, and most bytes in one text field.
MAX_PARTS = 64
MAX_FIELD_BYTES = 65_536


@dataclass
class FormData:
    """The text fields (every value of a repeated field, in order) and the files by name."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)

    def file(self, name: str) -> bytes | None:
        """The file sent as ``name``; None when there is none, or when it is the empty part
        without a file name that a form sends for a file field left empty. An empty file
        that has a name stays: decoding says it is empty.

        >>> FormData(files={"image": b""}, filenames={"image": ""}).file("image") is None
        True
        >>> FormData(files={"image": b""}, filenames={"image": "a.png"}).file("image")
        b''
        """
        data = self.files.get(name)
        return None if data == b"" and not self.filenames.get(name) else data


def _rejected(msg: str) -> BodyRejectedError:
    return BodyRejectedError([{"type": "value_error", "loc": ["body"], "msg": msg}])


def read_form(body: bytes, content_type: str) -> FormData:
    """Parse a multipart body (415 when it is not multipart, 422 when it is malformed).

    >>> body = (b'--b\\r\\nContent-Disposition: form-data; name="stride"\\r\\n\\r\\n2\\r\\n'
    ...         b'--b\\r\\nContent-Disposition: form-data; name="image"; filename="a.png"\\r\\n'
    ...         b'Content-Type: image/png\\r\\n\\r\\nPNG!\\r\\n--b--\\r\\n')
    >>> form = read_form(body, "multipart/form-data; boundary=b")
    >>> form.fields, form.files, form.filenames
    ({'stride': ['2']}, {'image': b'PNG!'}, {'image': 'a.png'})
    """
    media, options = parse_options_header(content_type)
    if media != b"multipart/form-data" or not options.get(b"boundary"):
        got = media.decode("latin-1")[:60] or "no Content-Type"
        raise HTTPException(
            415,
            f"the body must be multipart/form-data (with curl: -F 'image=@photo.jpg' "
            f"-F 'kernel=sobel_x'), got {got}",
            headers=CLOSE,
        )
    parts: list[dict[str, Any]] = []
    header: list[bytes] = [b"", b""]

    def begin() -> None:
        if len(parts) >= MAX_PARTS:
            raise _rejected(f"the form has more than {MAX_PARTS} parts")
        parts.append({"headers": {}, "data": bytearray()})

    def header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def header_end() -> None:
        parts[-1]["headers"][header[0].decode("latin-1").lower()] = header[1].decode("latin-1")
        header[0], header[1] = b"", b""

    def part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    callbacks: Any = {
        "on_part_begin": begin,
        "on_header_field": header_field,
        "on_header_value": header_value,
        "on_header_end": header_end,
        "on_part_data": part_data,
    }
    parser = MultipartParser(options[b"boundary"], callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except BodyRejectedError:
        raise
    except Exception as exc:  # python-multipart's own errors: a malformed body
        raise _rejected(f"the multipart body is malformed ({str(exc)[:100]})") from None
    return _collect(parts)


def _collect(parts: list[dict[str, Any]]) -> FormData:
    """Sort the parts into text fields and files by their Content-Disposition."""
    form = FormData()
    for part in parts:
        disposition, params = parse_options_header(part["headers"].get("content-disposition", ""))
        name = params.get(b"name")
        if disposition != b"form-data" or name is None:
            continue
        key = name.decode("utf-8", "replace")
        if b"filename" in params:
            form.files[key] = bytes(part["data"])
            form.filenames[key] = params[b"filename"].decode("utf-8", "replace")[:200]
            continue
        if len(part["data"]) > MAX_FIELD_BYTES:
            raise _rejected(f"the field {key[:40]!r} is longer than {MAX_FIELD_BYTES} bytes")
        try:
            value = bytes(part["data"]).decode("utf-8")
        except UnicodeDecodeError:
            raise _rejected(f"the field {key[:40]!r} is not UTF-8 text") from None
        form.fields.setdefault(key, []).append(value)
    return form
