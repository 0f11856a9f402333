"""/dutyphone: the property's duty phone (物业值班电话), given with the emergency numbers whenever
someone is in danger, in the group as well as in private."""

from __future__ import annotations

import re
import unicodedata

from bot.incoming import Incoming
from bot.services.shared import messages
from bot.services.shared.actors import identify, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.switches import switch_word
from storage.uow import UnitOfWork

PHONE_LIMIT = 32  # communities.duty_phone
ECHO_LIMIT = 32
# 028-8888 6666, (028)88886666, +86 138 0000 0000, 96119, 0571-8888888 转 123
PHONE = re.compile(
    r"\+?(?:\([0-9]{2,4}\) ?)?[0-9]{2,}(?:[ \-][0-9]{2,})*(?:\s*(?:转|ext\.?|x|#)\s*[0-9]{1,6})?"
)
DIGITS = (5, 15)  # a short service number (96119) up to an international mobile, before any extension
EXTENSION = re.compile(r"\s*(?:转|ext\.?|x|#)\s*[0-9]{1,6}$")


def parse_phone(text: str) -> str | None:
    """A phone number as people write one, tidied (full-width digits folded, spaces collapsed)."""
    phone = " ".join(unicodedata.normalize("NFKC", text).split())
    if len(phone) > PHONE_LIMIT or not PHONE.fullmatch(phone):
        return None
    main = EXTENSION.sub("", phone)
    digits = sum(char.isdigit() for char in main)
    return phone if DIGITS[0] <= digits <= DIGITS[1] else None


async def duty_phone(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/dutyphone shows it, /dutyphone <number> sets it, /dutyphone off removes it (staff)."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    typed = inc.text.strip()
    if typed:
        if switch_word(typed.lower()) is False:
            community.duty_phone = None
        else:
            phone = parse_phone(typed)
            if phone is None:
                raise Refused("community/duty_phone_usage", given=typed[:ECHO_LIMIT])
            community.duty_phone = phone
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "community/duty_phone_show",
        community=community.name,
        phone=community.duty_phone or "",
    )
