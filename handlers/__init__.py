"""Telegram adapters. `register(app)` is the one place where every handler is added, in order."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot import commands, opening
from bot.context import LinliApplication, LinliContext
from bot.services.activities import checkin, join, leave, line, staff
from bot.services.activities import views as activity_views
from bot.services.broadcasts import notice
from bot.services.community import duty_phone, flows, groups, members, people, private_chat, roles
from bot.services.points import awards, balance, honour
from bot.services.reminders import manage as reminder_list
from bot.services.reminders import remind
from bot.services.requests import (
    claim,
    corrections,
    details,
    finish,
    intake,
    rating,
    reopen,
    views,
)
from bot.services.shop import catalogue, fulfil, refund, rewards
from bot.services.volunteers import approval, profile, registration
from handlers.adapt import Handler, command, incoming, member_change, members_change, message
from handlers.buttons import on_button

NEW = filters.UpdateType.MESSAGE  # commands are read from new messages; edits get their own answer


async def on_bot_membership(update: Update, context: LinliContext) -> None:
    await context.deps.run(groups.bot_membership_changed, member_change(update))


async def on_members(update: Update, context: LinliContext) -> None:
    await context.deps.run(members.members_changed, members_change(update))


async def on_migration(update: Update, context: LinliContext) -> None:
    msg = update.effective_message
    if msg is not None and msg.migrate_to_chat_id:
        await context.deps.run(groups.migrated, incoming(update), msg.migrate_to_chat_id)


# Every command of the catalogue (bot/commands.py: names, aliases, who may use it) and the service it
# runs. Both the CommandHandlers and the route for commands Telegram does not mark (／take ３) read it.
COMMANDS: dict[str, Handler] = {
    # Everyone's commands.
    "start": command(people.start),
    "help": command(people.show_help),
    "whoami": command(people.whoami),
    "lang": command(people.choose_language),
    # /cancel <id> cancels a request; a bare /cancel leaves a guided flow.
    "cancel": command(flows.cancel_or_leave),
    # Groups and roles (staff; permissions are checked in the services).
    "bind": command(groups.bind),
    "unbind": command(groups.unbind),
    "buildings": command(groups.buildings),
    "invite": command(roles.invite),
    "grant": command(roles.grant),
    "revoke": command(roles.revoke),
    "dutyphone": command(duty_phone.duty_phone),
    # Volunteers.
    "volunteer": command(registration.register),
    "profile": command(profile.profile),
    "unvolunteer": command(profile.leave),
    "volunteers": command(approval.list_volunteers),
    "approve": command(approval.change_status, "approve"),
    "suspend": command(approval.change_status, "suspend"),
    "dismiss": command(approval.change_status, "dismiss"),
    "approval": command(approval.approval_setting),
    # Requests: filing, the steps of the closed loop, lists, points.
    "request": command(intake.request_command),
    "onbehalf": command(intake.on_behalf),
    "add": command(details.add),
    "take": command(claim.claim),
    "assign": command(claim.assign),
    "decline": command(claim.decline),
    "release": command(claim.release),
    "progress": command(finish.progress),
    "done": command(finish.done),
    "confirm": command(finish.confirm),
    "reopen": command(reopen.reopen),
    "rate": command(rating.rate),
    "category": command(corrections.category),
    "building": command(corrections.building),
    "history": command(views.history),
    "mine": command(views.mine),
    "open": command(views.open_requests),
    "overdue": command(views.overdue),
    "publicity": command(views.publicity_setting),
    "points": command(balance.show),
    # The points shop.
    "reward": command(rewards.reward),
    "shop": command(catalogue.shop),
    "redeem": command(catalogue.redeem_command),
    "fulfil": command(fulfil.fulfil),
    "fulfilled": command(fulfil.fulfilled),
    "unredeem": command(refund.unredeem),
    # Points by hand (staff): /award, /deduct, with a reason; large awards wait for a second staff member.
    "award": command(awards.change, 1),
    "deduct": command(awards.change, -1),
    # The honour roll (光荣榜): /top; /top 关|开 for oneself; /top post for staff.
    "top": command(honour.top),
    # Volunteer activities (活动): publish, sign up and leave, the lists, check-in.
    "newactivity": command(line.new_activity),
    "activities": command(activity_views.upcoming),
    "activity": command(staff.activity_command),
    "join": command(join.join_command),
    "leave": command(leave.leave_command),
    "checkin": command(checkin.checkin_command),
    # Reminders (staff): /remind <when> <text> after a confirm; /reminders to pause, resume, delete.
    "remind": command(remind.remind),
    "reminders": command(reminder_list.list_reminders),
    # Notices to the neighbourhood groups (staff): a preview with 发送/取消, then a delivery report.
    "broadcast": command(notice.broadcast),
}


class _BeginsWithCommand(filters.MessageFilter):
    """A text or a caption that begins with a command, in any form a keyboard types."""

    def filter(self, message: Message) -> bool:
        return opening.read_command(message.text or message.caption or "") is not None


BEGINS_WITH_COMMAND = _BeginsWithCommand(name="BeginsWithCommand")


async def on_typed_command(update: Update, context: LinliContext) -> None:
    """A command Telegram did not mark as one (／take ３, /take３, a photo captioned /done 3) runs as
    if typed in ASCII. One we do not have is answered, with the closest commands, in private and in
    a group when it is for us (/tkae@linli_bot, or a reply to one of our messages); another bot's
    command, or an unknown one in a group that names nobody, only notes the writer."""
    msg = update.effective_message
    assert msg is not None
    typed = opening.read_command(msg.text or msg.caption or "")
    assert typed is not None
    ours = (context.bot.username or "").lower()
    private = msg.chat.type == ChatType.PRIVATE
    if typed.bot not in (None, ours) and not private:
        await message(people.seen)(update, context)
    elif typed.command is not None:
        await COMMANDS[typed.command.name](update, context)
    elif private or typed.bot == ours or _replies_to_us(msg, context.bot.id):
        await command(people.unknown_command, typed.name)(update, context)
    else:
        await message(people.seen)(update, context)


def _replies_to_us(msg: Message, bot_id: int) -> bool:
    replied = msg.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def register(app: LinliApplication) -> None:
    # 0. The bot's own membership: greet a new group, deactivate one it left, note a blocked bot.
    app.add_handler(ChatMemberHandler(on_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    # 1. A group upgraded to a supergroup: follow it before anything else reads the chat id.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    # 1b. People joining and leaving a group: the notices (delivered even in privacy mode) and, where
    #     the bot is an administrator, chat_member updates (asked for in bot.app.ALLOWED_UPDATES).
    app.add_handler(ChatMemberHandler(on_members, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(
        MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER, on_members
        )
    )

    # 2. Commands Telegram marks (/take 3, /take@linli_bot 3), each under its names and aliases.
    unmatched = {c.name for c in commands.COMMANDS} ^ set(COMMANDS)
    if unmatched:
        raise RuntimeError(f"commands without a service or not in bot/commands.py: {sorted(unmatched)}")
    for entry in commands.COMMANDS:
        app.add_handler(CommandHandler(entry.names, COMMANDS[entry.name], filters=NEW))

    # 3. Buttons (callback_data v1:...), re-checked in the services.
    app.add_handler(CallbackQueryHandler(on_button))

    # 4. Edited messages are not re-read; the person is told so where it matters.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, message(people.edited_message)))
    # 5. Any other message or caption that begins with a command: typed on a phone keyboard
    #    (／take ３, /take３), a photo captioned /done 3, or one we do not have (a suggestion).
    app.add_handler(MessageHandler(NEW & BEGINS_WITH_COMMAND, on_typed_command))
    # 6. Private text or media: the next answer of a guided flow, a reply to a request card, or
    #    something a resident wrote that is offered as a request.
    app.add_handler(MessageHandler(NEW & filters.ChatType.PRIVATE, message(private_chat.private_message)))
    # 7. Anything else in a group: a #求助 request, an album part, a detail replied to a card; the
    #    writer becomes a resident of a bound group's community.
    app.add_handler(MessageHandler(NEW & filters.ChatType.GROUPS, message(intake.group_message)))
