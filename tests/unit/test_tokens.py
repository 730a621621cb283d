"""The API key format: ``<prefix>_<16 base62 id>_<43 base62 secret><6 base62 CRC32>``.

The checksum is checked against an oracle written here (``zlib.crc32`` and a base62
encoder of our own), not against ``chalicelib.domain.key_format.checksum`` itself.
"""

from __future__ import annotations

import string
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.key_format import (
    CHECKSUM_LENGTH,
    KEY_ID_LENGTH,
    SECRET_LENGTH,
    KeyFormat,
    ParsedToken,
    base62_fixed,
    checksum,
    display_hint,
    format_token,
)
from tests.support.examples import PURE

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
PREFIX = "lk_test"
TOKENS = KeyFormat(PREFIX)
TOKEN_LENGTH = len(PREFIX) + 1 + 16 + 1 + 43 + 6


def oracle_base62(number: int, width: int) -> str:
    """Most significant digit first, by powers of 62 (the module divides from the right)."""
    assert 0 <= number < 62**width
    digits = []
    for power in reversed(range(width)):
        digit, number = divmod(number, 62**power)
        digits.append(ALPHABET[digit])
    return "".join(digits)


def oracle_token(prefix: str, key_id: str, secret: str) -> str:
    body = f"{prefix}_{key_id}_{secret}"
    return body + oracle_base62(zlib.crc32(body.encode()), 6)


key_ids = st.text(alphabet=ALPHABET, min_size=16, max_size=16)
secrets_ = st.text(alphabet=ALPHABET, min_size=43, max_size=43)


# --- the shape -----------------------------------------------------------------------


def test_format_constants_match_the_documented_shape() -> None:
    assert (KEY_ID_LENGTH, SECRET_LENGTH, CHECKSUM_LENGTH) == (16, 43, 6)
    assert TOKENS.length == TOKEN_LENGTH


def test_minted_token_has_prefix_id_secret_and_checksum() -> None:
    token, parts = TOKENS.mint()
    assert len(token) == TOKEN_LENGTH
    prefix_and_id, secret_and_sum = token.rsplit("_", 1)
    assert prefix_and_id == f"{PREFIX}_{parts.key_id}"
    assert secret_and_sum[:43] == parts.secret
    assert secret_and_sum[43:] == oracle_base62(zlib.crc32(token[:-6].encode()), 6)


def test_minted_token_parses_back_to_its_parts() -> None:
    token, parts = TOKENS.mint()
    assert TOKENS.parse(token) == parts


def test_minting_for_an_existing_key_keeps_its_id() -> None:
    token, parts = TOKENS.mint("0123456789abcdef")
    assert parts.key_id == "0123456789abcdef"
    assert TOKENS.parse(token) == parts


def test_minted_ids_and_secrets_are_base62_of_the_right_length() -> None:
    for _ in range(50):
        _, parts = TOKENS.mint()
        assert len(parts.key_id) == 16
        assert len(parts.secret) == 43
        assert set(parts.key_id) <= set(ALPHABET)
        assert set(parts.secret) <= set(ALPHABET)


def test_every_minted_secret_and_id_is_distinct() -> None:
    minted = [TOKENS.mint()[1] for _ in range(200)]
    assert len({parts.secret for parts in minted}) == 200
    assert len({parts.key_id for parts in minted}) == 200


def test_reminting_the_same_key_gives_a_new_secret() -> None:
    first, a = TOKENS.mint("0123456789abcdef")
    second, b = TOKENS.mint("0123456789abcdef")
    assert a.secret != b.secret
    assert first != second


def test_secrets_use_the_whole_alphabet() -> None:
    # 200 * 43 draws miss a given character with probability ~ 62 * (61/62)**8600: never.
    seen = set("".join(TOKENS.mint()[1].secret for _ in range(200)))
    assert seen == set(ALPHABET)


# --- the checksum ----------------------------------------------------------------------


@PURE
@given(body=st.text(alphabet=ALPHABET + "_", max_size=80))
def test_checksum_is_crc32_in_six_base62_characters(body: str) -> None:
    assert checksum(body) == oracle_base62(zlib.crc32(body.encode("ascii")), 6)


@pytest.mark.parametrize(
    ("prefix", "key_id", "secret"),
    [
        ("lk_test", "0" * 16, "0" * 43),
        ("lk_live", "z" * 16, "Z" * 43),
        ("lk_live", "AbCdEfGhIjKlMnOp", "0123456789" * 4 + "xyz"),
    ],
)
def test_format_token_appends_the_oracle_checksum(prefix: str, key_id: str, secret: str) -> None:
    assert format_token(prefix, key_id, secret) == oracle_token(prefix, key_id, secret)


@pytest.mark.parametrize(
    ("number", "width", "expected"),
    [
        (0, 6, "000000"),
        (1, 6, "000001"),
        (61, 2, "0z"),
        (62, 2, "10"),
        (62**6 - 1, 6, "zzzzzz"),
        (2**32 - 1, 6, oracle_base62(2**32 - 1, 6)),
        (0, 0, ""),
    ],
)
def test_base62_fixed_pads_to_width(number: int, width: int, expected: str) -> None:
    assert base62_fixed(number, width) == expected


@pytest.mark.parametrize(("number", "width"), [(62**6, 6), (62, 1), (1, 0), (2**64, 6)])
def test_base62_fixed_refuses_a_number_that_does_not_fit(number: int, width: int) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        base62_fixed(number, width)


def test_base62_fixed_refuses_a_negative_number() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        base62_fixed(-1, 6)


@PURE
@given(number=st.integers(min_value=0, max_value=2**32 - 1))
def test_every_crc32_fits_six_base62_characters(number: int) -> None:
    assert base62_fixed(number, 6) == oracle_base62(number, 6)


# --- what parse refuses ----------------------------------------------------------------


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_is_refused(token: str | None) -> None:
    assert TOKENS.parse(token) is None


def test_token_of_another_prefix_is_refused() -> None:
    live_token, _ = KeyFormat("lk_live").mint()
    assert len(live_token) == TOKEN_LENGTH  # same length: only the prefix differs
    assert TOKENS.parse(live_token) is None


def test_token_with_a_valid_checksum_but_wrong_prefix_is_refused() -> None:
    token = oracle_token("lk_tesx", "0123456789abcdef", "s" * 43)
    assert TOKENS.parse(token) is None


def test_token_with_an_upper_cased_prefix_is_refused() -> None:
    token, _ = TOKENS.mint()
    assert TOKENS.parse(token.replace("lk_test", "LK_TEST", 1)) is None


def test_token_with_a_trailing_newline_is_refused() -> None:
    token, _ = TOKENS.mint()
    assert TOKENS.parse(token + "\n") is None


@pytest.mark.parametrize("padding", [" ", "\t", "\r\n"])
def test_token_with_surrounding_whitespace_is_refused(padding: str) -> None:
    token, _ = TOKENS.mint()
    assert TOKENS.parse(padding + token) is None
    assert TOKENS.parse(token + padding) is None


def test_token_one_character_short_or_long_is_refused() -> None:
    token, _ = TOKENS.mint()
    assert TOKENS.parse(token[:-1]) is None
    assert TOKENS.parse(token + "0") is None


def test_token_with_a_bad_checksum_is_refused() -> None:
    token, _ = TOKENS.mint()
    wrong = "000000" if token[-6:] != "000000" else "000001"
    assert TOKENS.parse(token[:-6] + wrong) is None


@pytest.mark.parametrize("bad", ["-", "+", "/", "=", "é", "\u0663", "\uff10"])
def test_token_with_a_character_outside_base62_is_refused_even_with_its_checksum(
    bad: str,
) -> None:
    # A non-ASCII digit such as U+0663 would pass a regex using \d.
    secret = bad + "s" * 42
    body = f"{PREFIX}_0123456789abcdef_{secret}"
    crc = zlib.crc32(body.encode("utf-8"))
    assert TOKENS.parse(body + oracle_base62(crc, 6)) is None


def test_id_and_secret_swapped_around_the_separator_is_refused() -> None:
    token = oracle_token(PREFIX, "s" * 43, "0123456789abcdef")
    assert len(token) == TOKEN_LENGTH
    assert TOKENS.parse(token) is None


@pytest.mark.parametrize(
    "prefix", ["", "LK", "lk-live", "_lk", "lk_", "1lk", "lk__live", "lk live"]
)
def test_token_format_refuses_an_invalid_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid key prefix"):
        KeyFormat(prefix)


def test_every_single_character_substitution_of_a_token_is_refused() -> None:
    # Exhaustive over one token: CRC32 detects every burst of <= 32 bits, so any one
    # changed character (8 bits) of the body changes the checksum.
    token, _ = TOKENS.mint()
    for index, original in enumerate(token):
        for replacement in ALPHABET + "_-":
            if replacement != original:
                mutated = token[:index] + replacement + token[index + 1 :]
                assert TOKENS.parse(mutated) is None, (index, replacement)


@PURE
@given(
    key_id=key_ids,
    secret=secrets_,
    data=st.data(),
)
def test_any_single_character_mutation_of_a_valid_token_is_refused(
    key_id: str, secret: str, data: st.DataObject
) -> None:
    token = oracle_token(PREFIX, key_id, secret)
    assert TOKENS.parse(token) == ParsedToken(key_id, secret)
    index = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="index")
    kind = data.draw(st.sampled_from(["substitute", "delete", "insert"]), label="kind")
    if kind == "delete":
        mutated = token[:index] + token[index + 1 :]
    else:
        char = data.draw(
            st.one_of(st.sampled_from(ALPHABET), st.characters()).filter(
                lambda c: c != token[index]
            ),
            label="char",
        )
        rest = token[index + 1 :] if kind == "substitute" else token[index:]
        mutated = token[:index] + char + rest
    assert TOKENS.parse(mutated) is None


@PURE
@given(text=st.one_of(st.none(), st.text(max_size=120)))
def test_arbitrary_text_parses_only_if_it_is_exactly_a_valid_token(text: str | None) -> None:
    parsed = TOKENS.parse(text)
    if parsed is not None:
        assert text == oracle_token(PREFIX, parsed.key_id, parsed.secret)


token_shaped = st.from_regex(
    r"lk_test_[0-9A-Za-z]{16}_[0-9A-Za-z]{43}[0-9A-Za-z]{6}", fullmatch=True
)


@PURE
@given(text=token_shaped, fix_checksum=st.booleans())
def test_token_shaped_text_parses_exactly_when_its_checksum_is_right(
    text: str, fix_checksum: bool
) -> None:
    if fix_checksum:
        text = text[:-6] + oracle_base62(zlib.crc32(text[:-6].encode()), 6)
    right = text[-6:] == oracle_base62(zlib.crc32(text[:-6].encode()), 6)
    parsed = TOKENS.parse(text)
    assert (parsed is not None) == right
    if parsed is not None:
        assert (parsed.key_id, parsed.secret) == (text[8:24], text[25:68])


# --- what must never show a secret -----------------------------------------------------


def test_display_hint_is_the_public_start_of_the_token() -> None:
    token, parts = TOKENS.mint()
    hint = display_hint(PREFIX, parts.key_id)
    assert hint == f"{PREFIX}_{parts.key_id}_"
    assert token.startswith(hint)


@PURE
@given(key_id=key_ids, secret=secrets_)
def test_display_hint_holds_no_secret_characters(key_id: str, secret: str) -> None:
    token = oracle_token(PREFIX, key_id, secret)
    hint = display_hint(PREFIX, key_id)
    # The hint ends exactly where the secret begins.
    assert token.index(secret) == len(hint)
    assert len(hint) == len(PREFIX) + 1 + 16 + 1


def test_parsed_token_repr_hides_the_secret() -> None:
    _, parts = TOKENS.mint()
    for shown in (repr(parts), str(parts), f"{parts}", repr([parts]), repr({"p": parts})):
        assert parts.secret not in shown
        assert parts.key_id in shown
        assert "<redacted>" in shown


def test_parsed_tokens_compare_by_value() -> None:
    assert ParsedToken("a" * 16, "b" * 43) == ParsedToken("a" * 16, "b" * 43)
    assert ParsedToken("a" * 16, "b" * 43) != ParsedToken("a" * 16, "c" * 43)
