"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_the_schema_of_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        await upgrade(engine)  # a second upgrade is a no-op
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_upgrading_a_foundation_database_keeps_its_rows_and_fills_the_new_columns(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO communities (name, timezone, locale, volunteer_approval, created_at) "
                    "VALUES ('幸福里社区', 'Asia/Shanghai', 'zh_CN', false, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO users (telegram_id, first_name, started, blocked, created_at, updated_at) "
                    "VALUES (7, '老王', true, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO memberships (user_id, community_id, roles, grid_buildings, skills, "
                    "party_member, volunteer_status, joined_via, created_at, updated_at) "
                    "VALUES (1, 1, '[]', '[]', '[]', false, 'active', 'group', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            community = (
                await connection.execute(text("SELECT publicity, request_seq FROM communities"))
            ).one()
            member = (await connection.execute(text("SELECT named, nudges FROM memberships"))).one()
        assert (bool(community[0]), community[1]) == (True, 0)
        assert (bool(member[0]), bool(member[1])) == (True, False)
    finally:
        await engine.dispose()


async def test_requests_from_before_the_upgrade_are_not_escalated_all_at_once(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(engine, "0008")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO communities (name, timezone, locale, volunteer_approval, publicity, "
                    "request_seq, created_at) "
                    "VALUES ('幸福里社区', 'Asia/Shanghai', 'zh_CN', false, true, 1, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO users (telegram_id, first_name, started, blocked, created_at, updated_at) "
                    "VALUES (7, '张阿姨', true, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO requests (community_id, number, filed_by_id, text, private, category, "
                    "complexity, points, urgent, status, round, respond_by, resolve_by, auto_confirmed, "
                    "created_at, updated_at) VALUES (1, 1, 1, '楼道灯坏了', false, 'repair', 'simple', 10, "
                    "false, 'open', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            marked = (
                await connection.execute(text("SELECT escalated_round, escalation_level FROM requests"))
            ).one()
        assert tuple(marked) == (2, 3)  # every level counts as sent in its current round
    finally:
        await engine.dispose()
