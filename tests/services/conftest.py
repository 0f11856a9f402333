"""Fixtures for service tests: SQLite in a temporary file, the one movable clock, a bench, an estate.

Two database files are made once per session and copied for each test: one with the empty schema
(`Base.metadata.create_all`, as `reset_schema` does) and one where the estate has already been set
up through the services (`bench.estate`). A test that asks for `home` starts on a copy of the
second, with a bench that goes on from the ids its builder stopped at; others start empty.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.categories import Catalogs, load_catalogs
from bot.incoming import Person
from bot.render import Renderer
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import Base
from tests.conftest import ADMIN_ID, Clock, make_settings
from tests.services.bench import Bench, Estate, Ids, estate

# The templates folder itself: the tests need no installed package data.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer("zh_CN", TEMPLATES)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return load_catalogs()


def make_bench(engine: AsyncEngine, url: str, renderer: Renderer, catalogs: Catalogs, clock: Clock) -> Bench:
    env = Env(settings=make_settings(url), renderer=renderer, clock=clock, catalogs=catalogs)
    return Bench(Deps(sessions=make_sessions(engine), env=env), clock, Person(ADMIN_ID, "管理员"))


@dataclass(frozen=True)
class Saved:
    empty: Path
    estate: Path
    home: Estate
    ids: Ids  # where the bench that built the estate stopped


@pytest.fixture(scope="session")
def saved(tmp_path_factory: pytest.TempPathFactory, renderer: Renderer, catalogs: Catalogs) -> Saved:
    folder = tmp_path_factory.mktemp("saved")
    empty, built = folder / "empty.db", folder / "estate.db"
    engine = create_engine(f"sqlite:///{empty}")
    Base.metadata.create_all(engine)
    engine.dispose()
    shutil.copyfile(empty, built)

    async def build() -> tuple[Estate, Ids]:
        url = f"sqlite+aiosqlite:///{built}"
        async_engine = make_engine(url)
        try:
            bench = make_bench(async_engine, url, renderer, catalogs, Clock())
            return await estate(bench), bench.ids
        finally:
            await async_engine.dispose()  # the last connection closing folds the WAL into the file

    home, ids = asyncio.run(build())
    return Saved(empty, built, home, ids)


@pytest.fixture
async def bench(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    saved: Saved,
    renderer: Renderer,
    catalogs: Catalogs,
    clock: Clock,
) -> AsyncIterator[Bench]:
    seeded = "home" in request.fixturenames
    path = tmp_path / "services.db"
    shutil.copyfile(saved.estate if seeded else saved.empty, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = make_engine(url)
    bench = make_bench(engine, url, renderer, catalogs, clock)
    if seeded:
        bench.ids = replace(saved.ids)
    try:
        yield bench
    finally:
        await engine.dispose()


@pytest.fixture
def home(bench: Bench, saved: Saved) -> Estate:
    """幸福里社区: a bound group, a staff group, a resident who started the bot, an active volunteer
    (set up through the services once, see `bench.estate`; the bench starts on a copy)."""
    return saved.home
