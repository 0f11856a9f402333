"""Validation rules of the Bot API, applied the way Telegram applies them.

Everything here is a pure function: lengths in UTF-16 code units, the HTML parse mode,
message and caption limits, and inline keyboards.  Failures raise :class:`FakeApiError`
carrying the description Telegram would answer with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fakebot.errors import FakeApiError, bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_MAX_BYTES = 64
MAX_INLINE_BUTTONS = 100
CALLBACK_ANSWER_TEXT_LIMIT = 200

Entity = dict[str, Any]

# Tag name -> MessageEntity type.  "span" is only valid with class="tg-spoiler".
_TAG_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
ALLOWED_HTML_TAGS = frozenset(_TAG_ENTITY_TYPES)

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTRIBUTE = re.compile(r"""\s*([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)?\s*>")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|lt|gt|amp|quot);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://[^\s]+)$", re.IGNORECASE)


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units, the unit Telegram counts limits and offsets in."""
    return len(s.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity_error(detail: str) -> FakeApiError:
    return bad_request(f"can't parse entities: {detail}")


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    start: int  # UTF-16 offset in the plain text
    byte_offset: int
    inner_language: str | None = None
    children: list[str] = field(default_factory=list)


def _decode_entity(text: str, index: int) -> tuple[str, int]:
    """Decode the HTML entity starting at ``text[index] == "&"``; return (character, end index)."""
    match = _HTML_ENTITY.match(text, index)
    if match is None:
        raise _entity_error(
            f'character "&" at byte offset {_byte_offset(text, index)} is not the start of an HTML entity; '
            "escape it as &amp;"
        )
    body = match.group(1)
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], match.end()
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _entity_error(f"invalid numeric HTML entity at byte offset {_byte_offset(text, index)}")
    return chr(code), match.end()


def _decode_attribute_value(raw: str, text: str, offset: int) -> str:
    if raw[:1] in ("'", '"'):
        raw = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&":
            try:
                char, i = _decode_entity(raw, i)
            except FakeApiError:
                raise _entity_error(
                    f"attribute value at byte offset {_byte_offset(text, offset)} contains a bare "
                    '"&"; escape it as &amp;'
                ) from None
            out.append(char)
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def _parse_start_tag(text: str, index: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr="v" ...>`` at ``index``; return (lower-case name, attributes, end index)."""
    byte_offset = _byte_offset(text, index)
    name_match = _TAG_NAME.match(text, index + 1)
    if name_match is None:
        raise _entity_error(
            f'unexpected character "<" at byte offset {byte_offset}; a bare "<" must be escaped as &lt;'
        )
    name = name_match.group(0).lower()
    position = name_match.end()
    attributes: dict[str, str] = {}
    while True:
        attribute = _ATTRIBUTE.match(text, position)
        if attribute is None or attribute.end() == position:
            break
        if position == name_match.end() and not text[position].isspace():
            break
        value = attribute.group(2)
        attributes[attribute.group(1).lower()] = (
            "" if value is None else _decode_attribute_value(value, text, position)
        )
        position = attribute.end()
    while position < len(text) and text[position].isspace():
        position += 1
    if position >= len(text) or text[position] != ">":
        raise _entity_error(f'unclosed start tag "{name}" at byte offset {byte_offset}')
    if name not in ALLOWED_HTML_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}')
    if name == "tg-emoji" and not attributes.get("emoji-id"):
        raise _entity_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_offset}')
    if name == "tg-time" and not attributes.get("unix", "").lstrip("-").isdigit():
        raise _entity_error(
            f'Tag "tg-time" must have a numeric attribute "unix" at byte offset {byte_offset}'
        )
    return name, attributes, position + 1


def _close_entity(tag: _OpenTag, end: int, parent: _OpenTag | None) -> Entity | None:
    """The MessageEntity produced by a closed tag, or None when the tag produces none."""
    length = end - tag.start
    entity_type = _TAG_ENTITY_TYPES[tag.name]
    entity: Entity = {"type": entity_type, "offset": tag.start, "length": length}
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x"> is one pre entity carrying the language.
        language = tag.attributes.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            parent.inner_language = language[len("language-") :]
        return None
    if length <= 0:
        return None
    if tag.name == "a":
        href = tag.attributes.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.inner_language:
        entity["language"] = tag.inner_language
    elif tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attributes["emoji-id"]
    elif tag.name == "tg-time":
        entity["unix_time"] = int(tag.attributes["unix"])
        if tag.attributes.get("format"):
            entity["date_time_format"] = tag.attributes["format"]
    return entity


def parse_html_entities(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML parse mode: return the plain text and its MessageEntity list.

    Entity offsets and lengths are in UTF-16 code units.  Raises ``FakeApiError`` (400,
    "Bad Request: can't parse entities: ...") for unsupported tags, unclosed or mismatched
    tags, and a bare ``<`` or ``&`` that does not start a tag or an entity.
    """
    plain: list[str] = []
    offset = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    entities: list[Entity] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "<":
            if text.startswith("</", i):
                match = _END_TAG.match(text, i)
                byte_offset = _byte_offset(text, i)
                if match is None or match.group(1) is None:
                    raise _entity_error(f"Unexpected end tag at byte offset {byte_offset}")
                name = match.group(1).lower()
                if not stack:
                    raise _entity_error(f'Unexpected end tag "</{name}>" at byte offset {byte_offset}')
                top = stack[-1]
                if top.name != name:
                    raise _entity_error(
                        f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.name}>", '
                        f'found "</{name}>"'
                    )
                stack.pop()
                entity = _close_entity(top, offset, stack[-1] if stack else None)
                if entity is not None:
                    entities.append(entity)
                i = match.end()
            else:
                name, attributes, end = _parse_start_tag(text, i)
                stack.append(_OpenTag(name, attributes, offset, _byte_offset(text, i)))
                i = end
        elif char == "&":
            decoded, i = _decode_entity(text, i)
            plain.append(decoded)
            offset += utf16_len(decoded)
        else:
            j = i + 1
            while j < n and text[j] not in "<&":
                j += 1
            chunk = text[i:j]
            plain.append(chunk)
            offset += utf16_len(chunk)
            i = j
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def parse_html(text: str) -> str:
    """Check ``text`` in Telegram's HTML parse mode and return the plain text after entity parsing."""
    return parse_html_entities(text)[0]


def check_entities(entities: object, text: str) -> list[Entity]:
    """Check explicitly passed MessageEntity objects against ``text``; return them as a list."""
    if not isinstance(entities, list):
        raise _entity_error("entities must be an Array of MessageEntity")
    total = utf16_len(text)
    checked: list[Entity] = []
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise _entity_error("each entity must be a MessageEntity object with a type")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 1:
            raise _entity_error("entity offset and length must be a non-negative and a positive Integer")
        if offset + length > total:
            raise _entity_error(
                f"entity beginning at UTF-16 offset {offset} ends after the end of the text at "
                f"UTF-16 offset {total}"
            )
        checked.append(dict(entity))
    return checked


def format_text(text: str, parse_mode: object = None, entities: object = None) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (or explicit ``entities``) to ``text``; return (plain text, entities).

    Without a parse mode the text is plain and is not HTML-checked.
    """
    mode = parse_mode.strip().lower() if isinstance(parse_mode, str) else ""
    if mode == "":
        if entities is None:
            return text, []
        return text, check_entities(entities, text)
    if mode == "html":
        return parse_html_entities(text)
    if mode in ("markdown", "markdownv2"):
        raise bad_request(f"parse mode {parse_mode} is not supported by the offline fake; use HTML")
    raise bad_request("unsupported parse_mode")


def check_message_text(plain: str) -> None:
    """Limits of a message text, counted after entity parsing."""
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > TEXT_LIMIT:
        raise bad_request("message is too long")


def check_caption(plain: str) -> None:
    """Limit of a media caption, counted after entity parsing."""
    if utf16_len(plain) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")


def check_callback_data(data: object) -> None:
    """callback_data must be 1-64 bytes of UTF-8."""
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            f"can't parse inline keyboard button: exactly one of the fields {', '.join(actions)} must be used"
        )
    if "callback_data" in button:
        check_callback_data(button["callback_data"])
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _BUTTON_URL.match(url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def validate_reply_markup(markup: object, *, inline_only: bool = False) -> None:
    """Check a reply_markup object: inline keyboard, reply keyboard, keyboard removal or force reply."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("BUTTONS_TOO_MUCH")
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not isinstance(label, str) or not label:
                    raise bad_request("BUTTON_TEXT_INVALID")
        return
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_buttons(markup: object) -> list[list[tuple[str, str]]]:
    """Rows of (label, callback_data or url or other action value) of an inline keyboard."""
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return []
    rows: list[list[tuple[str, str]]] = []
    for row in markup["inline_keyboard"]:
        out: list[tuple[str, str]] = []
        for button in row if isinstance(row, list) else []:
            if not isinstance(button, dict):
                continue
            value = next((button[name] for name in INLINE_BUTTON_ACTIONS if name in button), "")
            out.append((str(button.get("text", "")), value if isinstance(value, str) else str(value)))
        rows.append(out)
    return rows
