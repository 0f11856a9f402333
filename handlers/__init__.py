"""Telegram adapters. `register(app)` is the one place where every handler is added, in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.context import LinliApplication, LinliContext
from bot.services import groups, people, roles, volunteers
from handlers.adapt import command, incoming, member_change, message
from handlers.buttons import on_button

NEW = filters.UpdateType.MESSAGE  # commands are read from new messages; edits get their own answer


async def on_bot_membership(update: Update, context: LinliContext) -> None:
    await context.deps.run(groups.bot_membership_changed, member_change(update))


async def on_migration(update: Update, context: LinliContext) -> None:
    msg = update.effective_message
    if msg is not None and msg.migrate_to_chat_id:
        await context.deps.run(groups.migrated, incoming(update), msg.migrate_to_chat_id)


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
    app.add_handler(CommandHandler("cancel", command(volunteers.cancel_flow), filters=NEW))

    # 3. Groups and roles (staff; permissions are checked in the services).
    app.add_handler(CommandHandler("bind", command(groups.bind), filters=NEW))
    app.add_handler(CommandHandler("unbind", command(groups.unbind), filters=NEW))
    app.add_handler(CommandHandler("buildings", command(groups.buildings), filters=NEW))
    app.add_handler(CommandHandler("invite", command(roles.invite), filters=NEW))
    app.add_handler(CommandHandler("grant", command(roles.grant), filters=NEW))
    app.add_handler(CommandHandler("revoke", command(roles.revoke), filters=NEW))

    # 4. Volunteers.
    app.add_handler(CommandHandler("volunteer", command(volunteers.register), filters=NEW))
    app.add_handler(CommandHandler("profile", command(volunteers.profile), filters=NEW))
    app.add_handler(CommandHandler("unvolunteer", command(volunteers.leave), filters=NEW))
    app.add_handler(CommandHandler("volunteers", command(volunteers.list_volunteers), filters=NEW))
    app.add_handler(CommandHandler("approve", command(volunteers.change_status, "approve"), filters=NEW))
    app.add_handler(CommandHandler("suspend", command(volunteers.change_status, "suspend"), filters=NEW))
    app.add_handler(CommandHandler("dismiss", command(volunteers.change_status, "dismiss"), filters=NEW))
    app.add_handler(CommandHandler("approval", command(volunteers.approval_setting), filters=NEW))

    # 5. Buttons (callback_data v1:...), re-checked in the services.
    app.add_handler(CallbackQueryHandler(on_button))

    # 6. Edited messages are not re-read; the person is told so where it matters.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, message(people.edited_message)))
    # 7. Private text: the next answer of a guided flow, or a hint.
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, message(volunteers.answer)
        )
    )
    # 8. An unknown command.
    app.add_handler(MessageHandler(NEW & filters.COMMAND, message(people.unknown_command)))
    # 9. Anything else in a group: the writer becomes a resident of a bound group's community.
    app.add_handler(MessageHandler(NEW & filters.ChatType.GROUPS, message(people.seen)))
