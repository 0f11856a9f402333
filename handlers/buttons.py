"""Button presses: `v1:<action>:<args>` routed to the service that re-checks them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update

from bot import callbacks
from bot.context import LinliContext
from bot.services.activities import cards as activity_cards
from bot.services.activities import checkin, flow, join, leave
from bot.services.broadcasts import notice, report
from bot.services.community import groups, menu, people
from bot.services.points import awards, honour
from bot.services.reminders import manage as reminder_list
from bot.services.reminders import remind
from bot.services.requests import claim, corrections, finish, intake, lists, pick, rating, reopen, views
from bot.services.shared.runner import Service
from bot.services.shop import catalogue, fulfil, redeem, refund, reward_flow
from bot.services.volunteers import approval, registration
from handlers.adapt import answer, incoming

Arguments = Callable[[callbacks.Callback], tuple[Any, ...]]

ROUTES: dict[str, tuple[Service, Arguments]] = {
    menu.ACTION: (menu.pressed, lambda cb: (cb.str_arg(0),)),
    "lang": (people.set_language, lambda cb: (cb.str_arg(0),)),
    "bind": (groups.bind_chosen, lambda cb: (cb.str_arg(0), cb.int_arg(1))),
    "vc": (registration.choose_community, lambda cb: (cb.int_arg(0),)),
    "vn": (registration.use_telegram_name, lambda cb: ()),
    "vs": (registration.toggle_skill, lambda cb: (cb.int_arg(0),)),
    "vsd": (registration.skills_done, lambda cb: ()),
    "vp": (registration.choose_party, lambda cb: (cb.int_arg(0),)),
    "vx": (registration.cancel_flow, lambda cb: ()),
    "va": (approval.card_decision, lambda cb: ("approve", cb.int_arg(0))),
    "vr": (approval.card_decision, lambda cb: ("reject", cb.int_arg(0))),
    "rf": (intake.file_offered, lambda cb: ()),
    "rfc": (intake.choose_community, lambda cb: (cb.int_arg(0),)),
    "rbb": (intake.choose_building, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rbt": (intake.type_building, lambda cb: (cb.int_arg(0),)),
    "rbs": (intake.skip_building, lambda cb: (cb.int_arg(0),)),
    "rt": (claim.claim_button, lambda cb: (cb.int_arg(0),)),
    "ra": (claim.assign_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rn": (claim.decline_button, lambda cb: (cb.int_arg(0),)),
    "rl": (claim.release_button, lambda cb: (cb.int_arg(0),)),
    "rp": (finish.progress_button, lambda cb: (cb.int_arg(0),)),
    "rd": (finish.done_button, lambda cb: (cb.int_arg(0),)),
    "rc": (finish.confirm_button, lambda cb: (cb.int_arg(0),)),
    "rr": (reopen.reopen_button, lambda cb: (cb.int_arg(0),)),
    "rs": (rating.rate_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rk": (pick.picked, lambda cb: (cb.int_arg(0),)),
    # a category picked on an unsure staff card: request id, the category's place in the catalogue
    "rg": (corrections.pick_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rpg": (views.open_page_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "rv": (lists.show_card, lambda cb: (cb.int_arg(0),)),
    "rdp": (lists.dispatch_choices, lambda cb: (cb.int_arg(0),)),
    "rad": (lists.ask_detail, lambda cb: (cb.int_arg(0),)),
    "rx": (lists.ask_cancel, lambda cb: (cb.int_arg(0),)),
    "rxy": (lists.cancel_confirmed, lambda cb: (cb.int_arg(0),)),
    "rxn": (lists.cancel_kept, lambda cb: (cb.int_arg(0),)),
    catalogue.PAGE_ACTION: (catalogue.page_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    catalogue.VIEW_ACTION: (catalogue.view_button, lambda cb: (cb.int_arg(0),)),
    catalogue.CONFIRM_ACTION: (redeem.confirm_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    fulfil.CONFIRM_ACTION: (fulfil.confirm_button, lambda cb: (cb.int_arg(0),)),
    reward_flow.CONFIRM_ACTION: (reward_flow.confirm_button, lambda cb: ()),
    refund.ASK_ACTION: (refund.ask_button, lambda cb: (cb.int_arg(0),)),
    refund.CONFIRM_ACTION: (refund.confirm_button, lambda cb: (cb.int_arg(0),)),
    "pac": (awards.decide_button, lambda cb: ("confirm", cb.int_arg(0))),
    "par": (awards.decide_button, lambda cb: ("reject", cb.int_arg(0))),
    honour.POST: (honour.post_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    # Volunteer activities.
    activity_cards.JOIN_ACTION: (join.join_button, lambda cb: (cb.int_arg(0),)),
    activity_cards.LEAVE_ACTION: (leave.leave_button, lambda cb: (cb.int_arg(0),)),
    activity_cards.MARK_ACTION: (checkin.mark_button, lambda cb: (cb.int_arg(0), cb.int_arg(1))),
    "acl": (checkin.list_button, lambda cb: (cb.int_arg(0),)),
    "aqr": (checkin.qr_button, lambda cb: (cb.int_arg(0),)),
    "acsv": (checkin.csv_button, lambda cb: (cb.int_arg(0),)),
    flow.AUDIENCE_ACTION: (flow.audience_button, lambda cb: (cb.int_arg(0),)),
    flow.CONFIRM_ACTION: (flow.confirm_button, lambda cb: ()),
    flow.NO_DEADLINE_ACTION: (flow.no_deadline_button, lambda cb: ()),
    flow.ALL_GROUPS_ACTION: (flow.all_groups_button, lambda cb: ()),
    remind.CONFIRM_ACTION: (remind.confirm_button, lambda cb: (cb.int_arg(0),)),
    remind.CANCEL_ACTION: (remind.cancel_button, lambda cb: (cb.int_arg(0),)),
    reminder_list.PAUSE_ACTION: (reminder_list.change_button, lambda cb: ("pause", cb.int_arg(0))),
    reminder_list.RESUME_ACTION: (reminder_list.change_button, lambda cb: ("resume", cb.int_arg(0))),
    reminder_list.DELETE_ACTION: (reminder_list.change_button, lambda cb: ("delete", cb.int_arg(0))),
    notice.SEND: (notice.send_button, lambda cb: (cb.int_arg(0),)),
    notice.CANCEL: (notice.cancel_button, lambda cb: (cb.int_arg(0),)),
    report.PIN: (report.pin_button, lambda cb: (cb.int_arg(0),)),
}


async def on_button(update: Update, context: LinliContext) -> None:
    query = update.callback_query
    assert query is not None
    inc = incoming(update)
    try:
        parsed = callbacks.decode(query.data)
        service, arguments = ROUTES[parsed.action]
        args = arguments(parsed)
    except (callbacks.BadCallback, KeyError):
        await answer(update, await context.deps.run(people.stale_button, inc))
        return
    await answer(update, await context.deps.run(service, inc, *args))
