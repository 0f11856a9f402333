"""Triage: how sure the classifier was of a request's category, and what staff taught it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triage_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("category_checked", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "triage_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_triage_lessons_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_triage_lessons_request_id_requests")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_triage_lessons_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_lessons")),
        sa.UniqueConstraint("request_id", name=op.f("uq_triage_lessons_request_id")),
    )
    with op.batch_alter_table("triage_lessons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_lessons_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_lessons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_lessons_community_id"))
    op.drop_table("triage_lessons")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("category_checked")
        batch_op.drop_column("triage_confidence")
