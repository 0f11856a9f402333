"""/newactivity: staff publish an activity in one line, or (bare, in private) step by step.

    /newactivity 标题 | 开始 | 结束 | 地点 | 名额 | 积分 | 选项…
    /newactivity 楼道清洁 | 12月20日 15:00 | 17:00 | 3号楼门口 | 20 | 10 | 截止 12月19日 20:00 | 楼栋 3号楼
    /newactivity Clean-up | 2026-12-20 15:00 | 2h | Gate 3 | unlimited | 10 | volunteers only

The times are read by the one time-phrase parser in the community's time zone (明天下午3点,
周六上午9点 …); the end may also be a clock time that day (17:00) or a length (2小时). 名额 is
1–10000 or 不限. The options, in any order: 说明 <text>, 截止 <time> (the sign-up deadline),
仅志愿者 (volunteers only), 楼栋 <buildings> (announce only in their groups; else in all groups).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot import words
from bot.incoming import Incoming
from bot.services.activities import fields, flow
from bot.services.activities.create import publish
from bot.services.shared.actors import identify, staff_community_here
from bot.services.shared.env import Env
from bot.services.shared.errors import Refused
from storage.models import Community
from storage.uow import UnitOfWork

_FIELDS = re.compile(r"[|｜]")
REQUIRED = 6


def read_line(text: str, community: Community, now: datetime) -> fields.Draft:
    parts = [p.strip() for p in _FIELDS.split(text)]
    if len(parts) < REQUIRED:
        raise Refused("activities/new_usage")
    title, start, end, place, capacity, points, *options = parts
    tz = community.timezone
    starts_at = fields.read_moment(start, now=now, tz=tz)
    draft = fields.Draft(
        title=fields.read_title(title),
        starts_at=starts_at,
        ends_at=fields.read_end(end, starts_at, now=now, tz=tz),
        place=fields.read_place(place),
        capacity=fields.read_capacity(capacity),
        points=fields.read_points(points),
    )
    for option in options:
        if not option:
            continue
        if words.is_word("activity_volunteers_only", option):
            draft.audience = "volunteers"
            continue
        word, _, value = option.partition(" ")
        name = words.lookup("activity_options", word)
        if name == "description":
            draft.description = fields.read_description(value)
        elif name == "deadline":
            draft.signup_deadline = fields.read_moment(value, now=now, tz=tz)
        elif name == "buildings":
            draft.buildings = fields.read_buildings(value)
        else:
            raise Refused("activities/option_unknown", typed=option[:40])
    fields.check_times(draft.starts_at, draft.ends_at, draft.signup_deadline, now)
    return draft


async def new_activity(uow: UnitOfWork, env: Env, inc: Incoming) -> None:
    actor = await identify(uow, env, inc)
    community = await staff_community_here(uow, actor)
    if not inc.text.strip():
        if inc.chat.is_private:
            await flow.start(uow, env, inc, actor, community)
            return
        raise Refused("activities/new_usage")
    draft = read_line(inc.text, community, uow.clock())
    await publish(uow, env, inc, actor, community, draft)
