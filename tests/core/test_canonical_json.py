"""The canonical JSON of a signed document (docs/providers.md, "Signed applications"): the bytes a
signer in any language reproduces, and refusals of what the form does not carry."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osms.core.esign import MAX_SAFE_INTEGER, NotCanonical, canonical_json

#: The example of docs/providers.md; its bytes and SHA-256 are printed there.
EXAMPLE = {
    "announcement_id": "PROC-2027-ALM",
    "application_id": "APP-2027-0001",
    "provider_id": "P-ALM-0001",
    "bin": "123456789021",
    "care_type": "phc",
    "region": "ALM",
    "volume": 12000,
    "sum": "125000000.00",
    "submitted": "2026-12-01",
}
EXAMPLE_BYTES = (
    b'{"announcement_id":"PROC-2027-ALM","application_id":"APP-2027-0001","bin":"123456789021",'
    b'"care_type":"phc","provider_id":"P-ALM-0001","region":"ALM","submitted":"2026-12-01",'
    b'"sum":"125000000.00","volume":12000}'
)
EXAMPLE_SHA256 = "b176c0e23ea04daf710550cdce5095221a60c34741909e5e7a5c80d8c36e0cf3"


def test_the_documented_example_gives_the_documented_bytes_and_hash() -> None:
    assert canonical_json(EXAMPLE) == EXAMPLE_BYTES
    assert hashlib.sha256(EXAMPLE_BYTES).hexdigest() == EXAMPLE_SHA256


def test_text_is_utf8_with_only_quote_backslash_and_controls_escaped() -> None:
    document = {"name": 'Емхана "Жұлдыз"\\', "note": "a\nb\tc\x01\x7f/é€😀"}
    assert canonical_json(document) == (
        '{"name":"Емхана \\"Жұлдыз\\"\\\\","note":"a\\nb\\tc\\u0001\x7f/é€😀"}'.encode()
    )


def test_keys_sort_by_utf16_code_units_as_rfc8785_says() -> None:
    # U+E000 is above the surrogates D800–DFFF that encode U+1F600 in UTF-16, so 😀 comes first,
    # although its code point is larger.
    assert canonical_json({"\ue000": 1, "😀": 2, "a": 3, "B": 4}) == '{"B":4,"a":3,"😀":2,"\ue000":1}'.encode()


def test_literals_integers_arrays_nesting() -> None:
    assert canonical_json([None, True, False, 0, -7, MAX_SAFE_INTEGER, [], {}]) == (
        b"[null,true,false,0,-7,9007199254740991,[],{}]"
    )
    assert canonical_json({"z": {"b": [1, {"d": 1, "c": 2}], "a": None}}) == b'{"z":{"a":null,"b":[1,{"c":2,"d":1}]}}'


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"sum": 125000000.5}, "a fraction"),
        ({"sum": 1.0}, "a fraction"),
        ({"n": MAX_SAFE_INTEGER + 1}, "beyond"),
        ({1: "x"}, "is not text"),
        ({"s": "\ud800"}, "lone surrogate"),
        ({"when": object()}, "object is not allowed"),
    ],
)
def test_what_the_canonical_form_does_not_carry_is_refused_with_a_code(value: object, why: str) -> None:
    with pytest.raises(NotCanonical) as refused:
        canonical_json(value)
    assert refused.value.code == "not_canonical_json"
    assert why in refused.value.detail


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


def _reordered(value: object, rng: random.Random) -> object:
    """The same value with every object's members in another insertion order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _reordered(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_reordered(v, rng) for v in value]
    return value


@given(json_values, st.randoms(use_true_random=False), st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_member_order_and_whitespace_of_the_input_do_not_change_the_bytes(
    value: object, rng: random.Random, indent: int | str | None, ascii_only: bool
) -> None:
    # The signer's JSON text, however laid out, parses to a value with the same canonical bytes.
    text = json.dumps(_reordered(value, rng), indent=indent, ensure_ascii=ascii_only)
    assert canonical_json(json.loads(text)) == canonical_json(value)


@given(json_values)
def test_the_canonical_bytes_are_json_that_reads_back_to_the_value(value: object) -> None:
    assert json.loads(canonical_json(value).decode("utf-8")) == value
