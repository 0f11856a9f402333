"""A private message that is not a command: where it belongs."""

from __future__ import annotations

from bot import callbacks, danger, words
from bot.incoming import Incoming
from bot.services.activities import flow as activity_flow
from bot.services.community import menu
from bot.services.requests import details, intake, lists
from bot.services.requests.access import TEXT_LIMIT
from bot.services.shared import messages
from bot.services.shared.actors import identify, member_communities, user_locale
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from bot.services.shared.messages import Button
from bot.services.shop import reward_flow
from bot.services.volunteers import registration
from storage.uow import UnitOfWork


async def private_message(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    """The next step of a guided flow; a reply to a request card (a detail, a note, proof); or,
    from a resident, something to offer filing as a request with one button."""
    actor = await identify(uow, env, inc)
    conversation = await uow.conversations.get(actor.user.id)
    small_talk = not inc.media and (not inc.text.strip() or words.is_small_talk(inc.text))
    if conversation is not None and conversation.flow == intake.FLOW and conversation.step == "text":
        if small_talk:  # "谢谢" or 👍 is not the problem: ask again, the flow waits
            await messages.reply(
                uow, env, inc, user_locale(env, actor.user), "requests/ask_text", limit=TEXT_LIMIT
            )
            return
        await intake.file_in_private(uow, env, inc, actor, inc.text, inc.media)
        return
    if conversation is not None and conversation.flow == lists.DETAIL_FLOW:
        await lists.waiting_detail(uow, env, inc, actor, dict(conversation.data), small_talk=small_talk)
        return
    if conversation is not None and conversation.flow == intake.FLOW and conversation.step == "building":
        await intake.building_typed(uow, env, inc, actor)
        return
    if conversation is not None and conversation.flow == activity_flow.FLOW:
        await activity_flow.answer(uow, env, inc, actor, conversation)
        return
    if conversation is not None and conversation.flow == reward_flow.FLOW:
        await reward_flow.answer(uow, env, inc, actor, conversation)
        return
    if conversation is not None and conversation.flow == registration.FLOW:
        await registration.answer(uow, env, inc)
        return
    request = await details.card_request(uow, inc)
    if request is not None:
        await details.reply_to_card(uow, env, inc, actor, request)
        return
    if danger.detect(inc.text) is not None:  # a person in danger is filed at once, not offered
        await intake.file_in_private(uow, env, inc, actor, inc.text, inc.media)
        return
    if small_talk:  # a greeting, thanks, an emoji or a sticker: what the bot can do, as buttons
        await menu.show(uow, env, inc, actor)
        return
    communities = await member_communities(uow, actor)
    if len(inc.text.strip()) > TEXT_LIMIT and communities:
        raise Refused("requests/text_too_long", limit=TEXT_LIMIT, length=len(inc.text.strip()))
    if not communities or not (inc.text.strip() or inc.media):
        await messages.reply(uow, env, inc, actor.locale, "common/private_hint")
        return
    data = {"text": inc.text, "media": [[m.kind, m.file_id] for m in inc.media]}
    await uow.conversations.put(actor.user.id, intake.FLOW, "offer", data)
    locale = user_locale(env, actor.user)
    buttons = [[Button(env.renderer.label(locale, "req_file_this"), callbacks.encode("rf"))]]
    await messages.reply(uow, env, inc, locale, "requests/offer", buttons=buttons)
