"""Numbers as people type them in commands.

A request number: `3`, `３`, `#3`, `＃3`, `3号`, `No.3`, `№3`, `第3`, and Chinese numerals (`三`,
`十二`, `二十一`, `一百零五`, `两`, `一〇五`, `壹佰`). A rating: `5`, `五`, `5星`, `五星`, `五颗星`,
`5分`, `★★★★★`, `⭐⭐⭐`. Chinese numerals are read up to the thousands (千); 万 and larger are
nothing anyone numbers a request or a rating with, and are not read as a number at all."""

from __future__ import annotations

import re

from bot.opening import SEPARATORS, fold

CN_DIGITS = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二两贰", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
CN_PLACES = {**dict.fromkeys("十拾", 10), **dict.fromkeys("百佰", 100), **dict.fromkeys("千仟", 1000)}
MAX_DIGITS = 9  # a request number fits in a 32-bit column
REQUEST_MAX = 10**MAX_DIGITS - 1
STARS_MAX = 5

_NUMERAL = rf"[0-9]+|[{''.join(CN_DIGITS)}{''.join(CN_PLACES)}]+"
_END = r"(?=$|\s|[,、:;!?。)）]|\.(?![0-9]))"  # where a number typed on its own ends (not 4.5)
_REQUEST = re.compile(rf"\s*(?:#|№|No\.?|第)?\s*(?P<n>{_NUMERAL})(?:号)?{_END}", re.IGNORECASE)
_RATING = re.compile(rf"\s*(?P<n>{_NUMERAL})(?:\s*(?:颗星|颗|星|分|stars?\b)|{_END})", re.IGNORECASE)
_STAR_GLYPHS = re.compile(r"\s*(?P<glyphs>[★⭐☆\ufe0f]+)")


def chinese_value(text: str) -> int | None:
    """The value of a Chinese numeral below 10 000 (`三`, `十二`, `二十一`, `一百零五`, `两千`,
    `一百一` = 110, `一〇五` = 105 read digit by digit), or None if it is not one."""
    if not text or any(c not in CN_DIGITS and c not in CN_PLACES for c in text):
        return None
    if not any(c in CN_PLACES for c in text):  # digit by digit: 一〇五
        return int("".join(str(CN_DIGITS[c]) for c in text)) if len(text) <= MAX_DIGITS else None
    total, digit, last_place, after_place = 0, None, None, False
    for c in text:
        if c in CN_DIGITS:
            if digit not in (None, 0):  # 十三四: two digits in a row
                return None
            digit, after_place = CN_DIGITS[c], after_place and digit is None
            continue
        place = CN_PLACES[c]
        if last_place is not None and place >= last_place:  # 十百, 百百
            return None
        if digit is None and not (total == 0 and place == 10):  # a bare 十 is 10; a bare 百 is nothing
            return None
        if digit == 0:  # 零十
            return None
        total += (1 if digit is None else digit) * place
        digit, last_place, after_place = None, place, True
    if digit is None:
        return total
    if digit == 0:  # 一百零: a dangling 零
        return None
    if after_place and last_place is not None and last_place >= 100:  # 一百一 is 110, 两千五 2500
        return total + digit * last_place // 10
    return total + digit


def number_value(word: str) -> int | None:
    """A whole word that is a number: digits (ASCII or full-width) or a Chinese numeral."""
    folded = fold(word.strip())
    if folded.isascii() and folded.isdigit():
        return int(folded) if len(folded.lstrip("0") or "0") <= MAX_DIGITS else None
    return chinese_value(folded)


def _rest(text: str, end: int) -> str:
    return text[end:].lstrip(SEPARATORS + ".。;；!！?？").rstrip()


def split_request_number(text: str) -> tuple[int | None, str]:
    """The request number a command's arguments begin with, and what follows it as written;
    (None, text) when they do not begin with one (or with a number no request can have)."""
    match = _REQUEST.match(fold(text))
    value = number_value(match.group("n")) if match else None
    if match is None or value is None or not 1 <= value <= REQUEST_MAX:
        return None, text.strip()
    return value, _rest(text, match.end())


def split_stars(text: str) -> tuple[int | None, str]:
    """A rating of 1 to 5 stars at the start of the text, and the comment after it as written;
    (None, text) when the text does not begin with one."""
    folded = fold(text)
    glyphs = _STAR_GLYPHS.match(folded)
    if glyphs is not None:
        value: int | None = sum(glyphs.group("glyphs").count(star) for star in "★⭐")
        end = glyphs.end()
    else:
        match = _RATING.match(folded)
        value, end = (number_value(match.group("n")), match.end()) if match else (None, 0)
    if value is None or not 1 <= value <= STARS_MAX:
        return None, text.strip()
    return value, _rest(text, end)


def page_number(text: str, default: int = 1) -> int:
    """A page asked for by number; anything else is the first page."""
    value = number_value(text.split()[0]) if text.split() else None
    return value if value is not None and value >= 1 else default
