"""parse_body(): which bodies are refused as a whole, and the exact bytes of each element."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.body import BodyError, parse_body


def test_one_object_is_one_element() -> None:
    body = parse_body(b' {"shipment_id": "1"} \n', 10)
    assert not body.is_batch
    assert [e.value for e in body.elements] == [{"shipment_id": "1"}]
    assert body.elements[0].original == b'{"shipment_id": "1"}'


def test_array_elements_keep_the_bytes_they_were_sent_as() -> None:
    raw = b'[ {"a": 1.50,  "b": "\\u00e9"} ,\n 7, "x",{"n":NaN}]'
    body = parse_body(raw, 10)
    assert body.is_batch
    assert [e.original for e in body.elements] == [
        b'{"a": 1.50,  "b": "\\u00e9"}',
        b"7",
        b'"x"',
        b'{"n":NaN}',
    ]


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"", 400, "empty"),
        (b"   ", 400, "empty"),
        (b'{"a": ', 400, "invalid JSON"),
        (b"[1, 2,]", 400, "invalid JSON"),
        (b"[1 2]", 400, "expected ','"),
        (b"[1, 2] x", 400, "extra data"),
        (b'{"a": 1} {"b": 2}', 400, "extra data"),
        (b'{"a": "\xff"}', 400, "UTF-8"),
        (b'{"a": "\x00"}', 400, "invalid JSON"),
        (b"[" * 100_000, 400, "nested too deeply"),
        (b"[" + b"9" * 5000 + b"]", 400, "invalid JSON"),
        (b"[]", 422, "empty"),
        (b'"a string"', 422, "object or an array"),
        (b"null", 422, "object or an array"),
        (b"[1, 2, 3, 4]", 413, "at most 3"),
    ],
)
def test_bodies_refused_as_a_whole(raw: bytes, status: int, says: str) -> None:
    with pytest.raises(BodyError) as error:
        parse_body(raw, 3)
    assert error.value.status == status
    assert says in error.value.message


def test_a_leading_byte_order_mark_is_tolerated() -> None:
    assert parse_body('\ufeff{"a": 1}'.encode(), 1).elements[0].value == {"a": 1}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@settings(deadline=None)
@given(st.lists(JSON, min_size=1, max_size=20), st.sampled_from(["", " ", "\n\t "]))
def test_each_element_decodes_from_its_own_bytes(values: list[object], space: str) -> None:
    raw = "[" + space + ("," + space).join(json.dumps(v) for v in values) + space + "]"
    body = parse_body(raw.encode(), 20)
    assert [e.value for e in body.elements] == values
    assert [json.loads(e.original) for e in body.elements] == values
