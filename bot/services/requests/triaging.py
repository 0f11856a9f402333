"""The category of a new request, as the triage classifier reads it for its community, and what
staff picks and corrections teach that community's triage (bot/classifier.py says how)."""

from __future__ import annotations

from bot.categories import Catalog
from bot.classifier import Example, Verdict, catalog_examples, classify
from bot.services.shared.env import Env
from storage.models import Community, Request
from storage.uow import UnitOfWork

LESSONS = 2000  # the newest lessons of a community that its triage compares with
PICK = "pick"  # a one-tap pick on the staff card
COMMAND = "command"  # /category


def threshold(env: Env, catalog: Catalog) -> float:
    """Below this confidence the staff card asks for the category (the community's own, else the setting)."""
    return catalog.triage_threshold if catalog.triage_threshold is not None else env.settings.triage_threshold


async def categorize(uow: UnitOfWork, env: Env, community: Community, catalog: Catalog, text: str) -> Verdict:
    """The category of `text` among `catalog`'s, learned from the corpus, the rules, the
    categories file's examples and what staff of this community taught."""
    version = (await uow.triage_lessons.version(community.id), id(catalog))
    near = env.triager.layer(community.id, version)
    if near is None:
        lessons = await uow.triage_lessons.of_community(community.id, LESSONS)
        examples = catalog_examples(catalog) + [
            Example(lesson.text, lesson.category, (lesson.id, lesson.updated_at)) for lesson in lessons
        ]
        near = env.triager.build_layer(community.id, version, examples)
    return classify(env.triager.model, text, catalog, near)


def unsure(env: Env, request: Request, catalog: Catalog) -> bool:
    """Is the request's category a guess staff have not yet checked?"""
    return (
        request.triage_confidence is not None
        and not request.category_checked
        and request.triage_confidence < threshold(env, catalog)
    )


async def teach(uow: UnitOfWork, request: Request, category: str, source: str, actor_id: int) -> None:
    """What staff decided for this request becomes a lesson of its community's triage."""
    await uow.triage_lessons.teach(request.community_id, request.id, request.text, category, source, actor_id)
