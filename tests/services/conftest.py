"""Fixtures for service tests: SQLite in a temporary file, the one movable clock, a bench, an estate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.incoming import Person
from bot.render import Renderer
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from tests.conftest import ADMIN_ID, Clock, make_settings, reset_schema
from tests.services.bench import Bench, Estate, estate

# The templates folder itself: the tests need no installed package data.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
async def bench(tmp_path: Path, clock: Clock) -> AsyncIterator[Bench]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'services.db'}"
    engine = make_engine(url)
    await reset_schema(engine)
    settings = make_settings(url)
    env = Env(settings=settings, renderer=Renderer(settings.default_locale, TEMPLATES), clock=clock)
    try:
        yield Bench(Deps(sessions=make_sessions(engine), env=env), clock, Person(ADMIN_ID, "管理员"))
    finally:
        await engine.dispose()


@pytest.fixture
async def home(bench: Bench) -> Estate:
    """幸福里社区: a bound group, a staff group, a resident who started the bot, an active volunteer."""
    return await estate(bench)
