"""Fixtures for service tests: SQLite in a temporary file, the one movable clock, a bench, an estate."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.categories import Catalogs, load_catalogs
from bot.incoming import Person
from bot.render import Renderer
from bot.services.shared.env import Env
from bot.services.shared.runner import Deps
from storage.engine import make_engine, make_sessions
from storage.models import Base
from tests.conftest import ADMIN_ID, Clock, make_settings
from tests.services.bench import Bench, Estate, estate

# The templates folder itself: the tests need no installed package data.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with the schema (`Base.metadata.create_all`, as `reset_schema` does), made
    once; each test works on its own copy of it."""
    path = tmp_path_factory.mktemp("schema") / "empty.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer("zh_CN", TEMPLATES)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return load_catalogs()


@pytest.fixture
async def bench(
    tmp_path: Path, empty_database: Path, renderer: Renderer, catalogs: Catalogs, clock: Clock
) -> AsyncIterator[Bench]:
    path = tmp_path / "services.db"
    shutil.copyfile(empty_database, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = make_engine(url)
    env = Env(settings=make_settings(url), renderer=renderer, clock=clock, catalogs=catalogs)
    try:
        yield Bench(Deps(sessions=make_sessions(engine), env=env), clock, Person(ADMIN_ID, "管理员"))
    finally:
        await engine.dispose()


@pytest.fixture
async def home(bench: Bench) -> Estate:
    """幸福里社区: a bound group, a staff group, a resident who started the bot, an active volunteer."""
    return await estate(bench)
