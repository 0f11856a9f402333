"""Points awarded or deducted by hand by staff, with a reason; large awards wait for a second staff member.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "point_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_point_awards_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_point_awards_user_id_users")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_point_awards_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_point_awards_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_awards")),
        sa.UniqueConstraint("key", name=op.f("uq_point_awards_key")),
    )
    with op.batch_alter_table("point_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_point_awards_community_id"), ["community_id"], unique=False)
        batch_op.create_index("ix_point_awards_status", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("point_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_point_awards_status")
        batch_op.drop_index(batch_op.f("ix_point_awards_community_id"))
    op.drop_table("point_awards")
