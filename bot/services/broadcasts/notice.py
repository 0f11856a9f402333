"""/broadcast <text> (or a photo with that caption) by staff: a preview, then 发送 or 取消.

`/broadcast 3栋,5栋 <text>` sends only to the groups of those buildings (the buildings staff gave
the groups with /buildings; a building no group has makes the first word part of the notice).
The preview is the notice exactly as the groups will get it (masked like everything a
neighbourhood group reads) and the number of groups. 发送 queues one outbox row per group at the
bulk priority, so whatever else is urgent goes first; a second press, a forged one or a press
after 取消 changes nothing (`UPDATE … WHERE status = 'preview'`). The rows carry the broadcast's
id: a restart goes on where it was, and each group gets it once (dedupe key per group).
"""

from __future__ import annotations

import re

from bot import callbacks
from bot.incoming import Incoming
from bot.render import CAPTION_LIMIT, TextTooLong, to_plain, utf16_len
from bot.services.shared import messages
from bot.services.shared.actors import Actor, identify, staff_community_here
from bot.services.shared.buildings import LIST_SEPARATORS, building_of, community_buildings, in_buildings
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shared.runner import Outcome, toast
from bot.triage import building_key
from storage.models import Broadcast, Chat
from storage.uow import UnitOfWork

BULK = -10  # outbox priority: after everything else (a normal reply is 0, an emergency 10)
SEND, CANCEL = "bcs", "bcx"
# A word that is only a building (3栋, 12#, A座, 三号楼), not a sentence (3号楼今晚停水), unless
# it is a building's name as staff tagged a group with it.
_BUILDING_WORD = re.compile(
    r"^[0-9A-Za-z０-９Ａ-Ｚａ-ｚ一二三四五六七八九十百零〇\-－#＃]+(号楼|号|栋|幢|座|楼|#|＃)?$"
)


async def split_buildings(uow: UnitOfWork, community_id: int, text: str) -> tuple[list[str], str]:
    """(`3栋,5栋 停水通知` →) the buildings the first word names, and the notice after it. A word
    that reads as buildings counts even when no group has them: the reply says so, rather than
    sending "9栋 …" to every group."""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        return [], text.strip()
    known = await community_buildings(uow, community_id)
    found: list[str] = []
    for word in (w for w in LIST_SEPARATORS.split(parts[0]) if w):
        named = " ".join(word.split()) in known  # a building's name, as the groups were tagged
        if not named and not (_BUILDING_WORD.match(word) and building_key(word)):
            return [], text.strip()
        found.append(building_of(word))
    return list(dict.fromkeys(found)), parts[1].strip()


async def target_groups(uow: UnitOfWork, community_id: int, buildings: list[str]) -> list[Chat]:
    """The community's active neighbourhood groups, or those of the buildings named."""
    groups = await uow.chats.of_community(community_id, "neighbourhood")
    return in_buildings(groups, buildings) if buildings else groups


async def broadcast(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """/broadcast [buildings] <text>: the preview and its buttons; nothing is sent yet."""
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    buildings, text = await split_buildings(uow, community.id, inc.text)
    photo = next((m.file_id for m in inc.media if m.kind == "photo"), None)
    if not text:
        raise Refused("broadcasts/usage")
    groups = await target_groups(uow, community.id, buildings)
    if not groups:
        raise Refused("broadcasts/no_groups", community=community.name, buildings=buildings)
    try:
        notice = env.renderer.render(
            community.locale, "broadcasts/notice", public=True, community=community.name, text=text
        )
    except TextTooLong:
        raise Refused("broadcasts/too_long", limit=4096) from None
    if photo is not None and utf16_len(to_plain(notice)) > CAPTION_LIMIT:
        raise Refused("broadcasts/too_long", limit=CAPTION_LIMIT)
    item = await uow.broadcasts.add(
        Broadcast(
            key=f"u{inc.update_id}",
            community_id=community.id,
            created_by=actor.user.id,
            chat_id=inc.chat.chat_id,
            text=notice,
            file_id=photo,
            buildings=buildings,
            status="preview",
        )
    )
    key = f"u{inc.update_id}"
    if photo is not None:  # the preview is the notice itself: the photo with its caption
        await uow.outbox.add(
            dedupe_key=f"{key}:0",
            chat_id=inc.chat.chat_id,
            kind="media",
            media_kind="photo",
            file_id=photo,
            text=notice,
        )
    else:
        await uow.outbox.add(
            dedupe_key=f"{key}:0", chat_id=inc.chat.chat_id, text=notice, template="broadcasts/notice"
        )
    buttons = [
        [
            Button(env.renderer.label(actor.locale, "broadcast_send"), callbacks.encode(SEND, item.id)),
            Button(env.renderer.label(actor.locale, "broadcast_cancel"), callbacks.encode(CANCEL, item.id)),
        ]
    ]
    await messages.reply(
        uow,
        env,
        inc,
        actor.locale,
        "broadcasts/preview",
        buttons=buttons,
        seq=1,
        groups=len(groups),
        buildings=buildings,
        community=community.name,
    )


async def staff_broadcast(
    uow: UnitOfWork, env: Env, inc: Incoming, broadcast_id: int
) -> tuple[Actor, Broadcast]:
    """The broadcast a button names, pressed by staff of its community (or refused)."""
    actor = await identify(uow, env, inc)
    item = await uow.broadcasts.get(broadcast_id)
    if item is None:
        raise Refused("common/button_expired")
    if not actor.is_staff_of(item.community_id, await uow.memberships.find(actor.user.id, item.community_id)):
        raise Refused("common/staff_only")
    return actor, item


async def send_button(uow: UnitOfWork, env: Env, inc: Incoming, broadcast_id: int) -> Outcome:
    """发送 under the preview: one row per group, once, however often or by whom it is pressed."""
    actor, item = await staff_broadcast(uow, env, inc, broadcast_id)
    if not await uow.broadcasts.move(item.id, "preview", "sending"):
        raise Refused("broadcasts/already", status=item.status)
    groups = await target_groups(uow, item.community_id, list(item.buildings))
    for group in groups:
        await uow.outbox.add(
            dedupe_key=f"bc{item.id}:{group.telegram_id}",
            chat_id=group.telegram_id,
            kind="media" if item.file_id else "send",
            media_kind="photo" if item.file_id else None,
            file_id=item.file_id,
            text=item.text,
            template=None if item.file_id else "broadcasts/notice",
            priority=BULK,
            broadcast_id=item.id,
        )
    item.groups = len(groups)
    await _drop_buttons(uow, inc, item.id)
    await messages.post(
        uow,
        env,
        f"bc{item.id}:sending",
        inc.chat.chat_id,
        actor.locale,
        "broadcasts/sending",
        groups=len(groups),
    )
    return toast(env, actor, "broadcasts/sending", groups=len(groups))


async def cancel_button(uow: UnitOfWork, env: Env, inc: Incoming, broadcast_id: int) -> Outcome:
    """取消 under the preview: nothing is sent."""
    actor, item = await staff_broadcast(uow, env, inc, broadcast_id)
    if not await uow.broadcasts.move(item.id, "preview", "cancelled"):
        raise Refused("broadcasts/already", status=item.status)
    await _drop_buttons(uow, inc, item.id)
    return toast(env, actor, "broadcasts/cancelled")


async def _drop_buttons(uow: UnitOfWork, inc: Incoming, broadcast_id: int) -> None:
    """The preview's buttons go once they have done their work."""
    if inc.message_id is not None:
        await uow.outbox.add(
            dedupe_key=f"bc{broadcast_id}:drop",
            chat_id=inc.chat.chat_id,
            kind="drop_buttons",
            target_message_id=inc.message_id,
        )
