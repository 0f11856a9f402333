"""Telegram adapters. `register(app)` is the one place where every handler is added, in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.context import LinliApplication, LinliContext
from bot.services.community import duty_phone, flows, groups, people, private_chat, roles
from bot.services.points import balance
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
from bot.services.volunteers import approval, profile, registration
from handlers.adapt import command, incoming, member_change, message
from handlers.buttons import on_button

NEW = filters.UpdateType.MESSAGE  # commands are read from new messages; edits get their own answer


async def on_bot_membership(update: Update, context: LinliContext) -> None:
    await context.deps.run(groups.bot_membership_changed, member_change(update))


async def on_migration(update: Update, context: LinliContext) -> None:
    msg = update.effective_message
    if msg is not None and msg.migrate_to_chat_id:
        await context.deps.run(groups.migrated, incoming(update), msg.migrate_to_chat_id)


CAPTIONED_COMMAND = filters.CaptionRegex(r"^/(request|add|done)(@\w+)?(\s|$)")
CAPTION_COMMANDS = {"request": intake.request_command, "add": details.add, "done": finish.done}


async def on_captioned_command(update: Update, context: LinliContext) -> None:
    msg = update.effective_message
    assert msg is not None and msg.caption is not None
    name = msg.caption.split(maxsplit=1)[0][1:].split("@", 1)[0]
    await command(CAPTION_COMMANDS[name])(update, context)


def register(app: LinliApplication) -> None:
    # 0. The bot's own membership: greet a new group, deactivate one it left, note a blocked bot.
    app.add_handler(ChatMemberHandler(on_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    # 1. A group upgraded to a supergroup: follow it before anything else reads the chat id.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))

    # 2. Everyone's commands.
    app.add_handler(CommandHandler("start", command(people.start), filters=NEW))
    app.add_handler(CommandHandler("help", command(people.show_help), filters=NEW))
    app.add_handler(CommandHandler("whoami", command(people.whoami), filters=NEW))
    app.add_handler(CommandHandler("lang", command(people.choose_language), filters=NEW))
    # /cancel <id> cancels a request; a bare /cancel leaves a guided flow.
    app.add_handler(CommandHandler("cancel", command(flows.cancel_or_leave), filters=NEW))

    # 3. Groups and roles (staff; permissions are checked in the services).
    app.add_handler(CommandHandler("bind", command(groups.bind), filters=NEW))
    app.add_handler(CommandHandler("unbind", command(groups.unbind), filters=NEW))
    app.add_handler(CommandHandler("buildings", command(groups.buildings), filters=NEW))
    app.add_handler(CommandHandler("invite", command(roles.invite), filters=NEW))
    app.add_handler(CommandHandler("grant", command(roles.grant), filters=NEW))
    app.add_handler(CommandHandler("revoke", command(roles.revoke), filters=NEW))
    app.add_handler(CommandHandler("dutyphone", command(duty_phone.duty_phone), filters=NEW))

    # 4. Volunteers.
    app.add_handler(CommandHandler("volunteer", command(registration.register), filters=NEW))
    app.add_handler(CommandHandler("profile", command(profile.profile), filters=NEW))
    app.add_handler(CommandHandler("unvolunteer", command(profile.leave), filters=NEW))
    app.add_handler(CommandHandler("volunteers", command(approval.list_volunteers), filters=NEW))
    app.add_handler(CommandHandler("approve", command(approval.change_status, "approve"), filters=NEW))
    app.add_handler(CommandHandler("suspend", command(approval.change_status, "suspend"), filters=NEW))
    app.add_handler(CommandHandler("dismiss", command(approval.change_status, "dismiss"), filters=NEW))
    app.add_handler(CommandHandler("approval", command(approval.approval_setting), filters=NEW))

    # 5. Requests: filing, the steps of the closed loop, lists, points.
    app.add_handler(CommandHandler("request", command(intake.request_command), filters=NEW))
    app.add_handler(CommandHandler("onbehalf", command(intake.on_behalf), filters=NEW))
    app.add_handler(CommandHandler("add", command(details.add), filters=NEW))
    app.add_handler(CommandHandler(["take", "claim"], command(claim.claim), filters=NEW))
    app.add_handler(CommandHandler("assign", command(claim.assign), filters=NEW))
    app.add_handler(CommandHandler("decline", command(claim.decline), filters=NEW))
    app.add_handler(CommandHandler("release", command(claim.release), filters=NEW))
    app.add_handler(CommandHandler("progress", command(finish.progress), filters=NEW))
    app.add_handler(CommandHandler("done", command(finish.done), filters=NEW))
    app.add_handler(CommandHandler("confirm", command(finish.confirm), filters=NEW))
    app.add_handler(CommandHandler("reopen", command(reopen.reopen), filters=NEW))
    app.add_handler(CommandHandler("rate", command(rating.rate), filters=NEW))
    app.add_handler(CommandHandler("category", command(corrections.category), filters=NEW))
    app.add_handler(CommandHandler("building", command(corrections.building), filters=NEW))
    app.add_handler(CommandHandler("history", command(views.history), filters=NEW))
    app.add_handler(CommandHandler("mine", command(views.mine), filters=NEW))
    app.add_handler(CommandHandler("open", command(views.open_requests), filters=NEW))
    app.add_handler(CommandHandler("overdue", command(views.overdue), filters=NEW))
    app.add_handler(CommandHandler("publicity", command(views.publicity_setting), filters=NEW))
    app.add_handler(CommandHandler("points", command(balance.show), filters=NEW))
    # A photo, voice note or video captioned with /request, /add or /done (commands read text only).
    app.add_handler(MessageHandler(NEW & CAPTIONED_COMMAND, on_captioned_command))

    # 6. Buttons (callback_data v1:...), re-checked in the services.
    app.add_handler(CallbackQueryHandler(on_button))

    # 7. Edited messages are not re-read; the person is told so where it matters.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, message(people.edited_message)))
    # 8. Private text or media: the next answer of a guided flow, a reply to a request card, or
    #    something a resident wrote that is offered as a request.
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.PRIVATE & ~filters.COMMAND, message(private_chat.private_message)
        )
    )
    # 9. An unknown command.
    app.add_handler(MessageHandler(NEW & filters.COMMAND, message(people.unknown_command)))
    # 10. Anything else in a group: a #求助 request, an album part, a detail replied to a card; the
    #     writer becomes a resident of a bound group's community.
    app.add_handler(MessageHandler(NEW & filters.ChatType.GROUPS, message(intake.group_message)))
