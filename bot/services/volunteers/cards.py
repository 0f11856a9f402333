"""The volunteer cards, rendered when sent: the application card in the staff group and the
skills picker in private."""

from __future__ import annotations

from typing import Any

from bot import callbacks, words
from bot.outbox.cards import RenderedCard
from bot.services.shared import messages
from bot.services.shared.actors import user_locale
from bot.services.shared.env import Env
from bot.services.shared.messages import Button
from bot.services.volunteers.fields import (
    CARD,
    FLOW,
    PICKER,
    cancel_button,
    profile_of,
)
from storage.uow import UnitOfWork


def card_functions(env: Env) -> dict[str, Any]:
    async def volunteer_card(uow: UnitOfWork, membership_id: int, chat_id: int) -> RenderedCard | None:
        membership = await uow.memberships.get(membership_id)
        if membership is None:
            return None
        community = await uow.communities.get(membership.community_id)
        user = await uow.users.get(membership.user_id)
        assert community is not None and user is not None
        locale = community.locale
        buttons = None
        if membership.volunteer_status == "pending":
            buttons = [
                [
                    Button(env.renderer.label(locale, "approve"), callbacks.encode("va", membership.id)),
                    Button(env.renderer.label(locale, "reject"), callbacks.encode("vr", membership.id)),
                ]
            ]
        text = await messages.render_for(
            uow,
            env,
            chat_id,
            locale,
            "volunteers/card",
            who=messages.mention(user),
            profile=profile_of(membership),
        )
        return RenderedCard(text, messages.keyboard_json(buttons))

    async def skills_picker(uow: UnitOfWork, user_id: int, chat_id: int) -> RenderedCard | None:
        user = await uow.users.get(user_id)
        if user is None:
            return None
        locale = user_locale(env, user)
        conversation = await uow.conversations.get(user_id)
        open_ = conversation is not None and conversation.flow == FLOW and conversation.step == "skills"
        chosen = set(conversation.data.get("skills", [])) if conversation is not None else set()
        skills = list(env.settings.volunteer_skills)
        text = env.renderer.render(
            locale, "volunteers/ask_skills", open=open_, chosen=[s for s in skills if s in chosen]
        )
        if not open_:
            return RenderedCard(text)
        rows: list[list[Button]] = []
        for i, skill in enumerate(skills):
            mark = "✅ " if skill in chosen else ""
            if i % 2 == 0:
                rows.append([])
            rows[-1].append(Button(f"{mark}{words.skill_name(skill, locale)}", callbacks.encode("vs", i)))
        rows.append(
            [
                Button(env.renderer.label(locale, "done"), callbacks.encode("vsd")),
                cancel_button(env, locale),
            ]
        )
        return RenderedCard(text, messages.keyboard_json(rows))

    return {CARD: volunteer_card, PICKER: skills_picker}
