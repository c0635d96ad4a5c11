"""An HTTP request body -> its records, each with the exact bytes it was sent as.

The body is one shipment object or an array of them. Each element of an array is decoded on its
own (`raw_decode` from its first character), so a rejected record goes to the DLQ as the bytes
the sender wrote, not as a re-encoding. Anything that is not JSON, or not UTF-8, is refused as a
whole: there is no telling which records it was meant to hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class BodyError(Exception):
    """The body as a whole is unusable: `status` is the HTTP answer (400, 413 or 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Element:
    value: object
    original: bytes


@dataclass(frozen=True)
class Body:
    elements: list[Element]
    is_batch: bool


def parse_body(body: bytes, max_records: int) -> Body:
    text = _decode(body)
    start = _skip(text, 0)
    if start == len(text):
        raise BodyError(400, "the body is empty: send a shipment object or an array of them")
    if text[start] != "[":
        value, end = _decode_value(text, start)
        _expect_end(text, end)
        if not isinstance(value, dict):
            raise BodyError(422, "the body must be a shipment object or an array of them")
        return Body([Element(value, text[start:end].encode())], is_batch=False)
    elements = _array_elements(text, start + 1, max_records)
    if not elements:
        raise BodyError(422, "the array is empty: send at least one shipment")
    return Body(elements, is_batch=True)


def _decode(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError(400, f"the body is not valid UTF-8 (byte {error.start})") from None
    return text.removeprefix("\ufeff")


def _array_elements(text: str, index: int, max_records: int) -> list[Element]:
    elements: list[Element] = []
    index = _skip(text, index)
    if text.startswith("]", index):
        _expect_end(text, index + 1)
        return elements
    while True:
        index = _skip(text, index)
        value, end = _decode_value(text, index)
        elements.append(Element(value, text[index:end].encode()))
        if len(elements) > max_records:
            raise BodyError(
                413,
                f"a batch holds at most {max_records} records; split this one into smaller ones",
            )
        index = _skip(text, end)
        if text.startswith(",", index):
            index += 1
        elif text.startswith("]", index):
            _expect_end(text, index + 1)
            return elements
        else:
            raise BodyError(400, f"invalid JSON: expected ',' or ']' at character {index}")


def _decode_value(text: str, index: int) -> tuple[object, int]:
    try:
        value, end = _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as error:
        raise BodyError(400, f"invalid JSON: {error.msg} at character {error.pos}") from None
    except RecursionError:
        raise BodyError(400, "invalid JSON: nested too deeply") from None
    except ValueError as error:
        # Python refuses integers of thousands of digits (int_max_str_digits).
        raise BodyError(400, f"invalid JSON: {error}") from None
    return value, end


def _expect_end(text: str, index: int) -> None:
    index = _skip(text, index)
    if index != len(text):
        raise BodyError(400, f"invalid JSON: extra data at character {index}")


def _skip(text: str, index: int) -> int:
    found = _WHITESPACE.match(text, index)
    return found.end() if found else index
