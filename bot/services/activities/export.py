"""The sign-up list as a CSV file for the paper sign-in sheet many communities still keep, sent to
the staff member privately as a document."""

from __future__ import annotations

import csv
import io

from bot.services.activities.access import local_time
from bot.services.shared import messages
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Activity, Community, User
from storage.uow import UnitOfWork

ORDER = ("attended", "joined", "no_show", "waitlisted")
# A cell a spreadsheet would run as a formula begins with one of these; it is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


async def sheet(uow: UnitOfWork, env: Env, locale: str, activity: Activity, community: Community) -> str:
    """The CSV text: one row per person (came, signed up, did not come, waiting), with an empty
    signature column for the paper copy."""
    headers = env.renderer.label(locale, "act_csv_headers").split("|")
    status_names = {s: env.renderer.label(locale, f"act_status_{s}") for s in ORDER}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    row = 0
    for status in ORDER:
        for signup, user in await uow.activities.signups(activity.id, (status,)):
            row += 1
            membership = await uow.memberships.find(user.id, community.id)
            name = (
                membership.display_name if membership and membership.display_name else None
            ) or user.full_name
            building = membership.building if membership and membership.building else ""
            checked = local_time(signup.checked_in_at, community) if signup.checked_in_at else ""
            writer.writerow([str(row), cell(name), cell(building), status_names[status], checked, ""])
    return out.getvalue()


async def send_sheet(
    uow: UnitOfWork, env: Env, key: str, staff: User, locale: str, activity: Activity, community: Community
) -> None:
    if not staff.reachable:
        raise Refused("activities/start_bot_first")
    content = await sheet(uow, env, locale, activity, community)
    caption = env.renderer.render(locale, "activities/csv_caption", n=activity.number, title=activity.title)
    await messages.send_file(uow, key, staff, f"activity-{activity.number}.csv", content, caption)
