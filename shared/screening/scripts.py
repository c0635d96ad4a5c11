"""Latin forms of name parts written in other scripts, keeping the native form where it matters.

rigour transliterates Cyrillic, Greek, Armenian, Georgian and Hangul itself (`NamePart.comparable`);
for the rest (Arabic, Hebrew, Han, Kana, Thai, Devanagari, ...) its `ascii_text` falls back to
ICU. Two names in the same non-Latin script are compared in that script: Han homophones
(高市 / 高石, both `gao shi`) are different names.
"""

from __future__ import annotations

import re

from rigour.text.translit import ascii_text, maybe_ascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def is_syllabic(text: str) -> bool:
    """Han or Hangul: one character is one syllable, so one changed character is a new name."""
    return bool(text) and all(_is_han(ch) or _is_hangul(ch) for ch in text)


def latin_parts(form: str, comparable: str, person: bool) -> list[tuple[str, str | None]]:
    """(Latin text, native form or None) for each token one rigour name part yields."""
    if person and 2 <= len(form) <= 4 and all(_is_hangul(ch) for ch in form):
        # Korean writes the one-syllable family name joined to the given name: 김정은.
        family, given = form[0], form[1:]
        return [(_joined(maybe_ascii(family)), family), (_joined(maybe_ascii(given)), given)]
    if comparable.isalnum() and comparable.isascii():
        return [(comparable, None)]
    if comparable.isascii():
        natives = form if not form.isascii() and all(_is_hangul(ch) for ch in form) else None
        return [(text, natives) for text in _split(comparable)]
    if all(_is_han(ch) for ch in form):
        # Chinese names are read syllable by syllable: 习近平 -> xi jin ping (~ Xi Jinping).
        return [(_joined(ascii_text(ch).lower()) or ch, ch) for ch in form]
    texts = _split(ascii_text(form).lower())
    if not texts:
        return [(form, form)]  # no transliteration (Khmer): compare in the script itself
    if len(texts) == 1:
        return [(texts[0], form)]
    return [(text, None) for text in texts]


def _split(text: str) -> list[str]:
    return [token for token in _NON_ALNUM.split(text.lower()) if token]


def _joined(text: str) -> str:
    return "".join(_split(text))


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"
