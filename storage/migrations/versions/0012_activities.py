"""Volunteer activities: the activity, the groups it is announced in, sign-ups; a file the outbox uploads.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_seq", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment", sa.Text(), nullable=True))
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=128), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("signup_deadline", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("checkin_token", sa.String(length=32), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name=op.f("ck_activities_capacity_positive")),
        sa.CheckConstraint("joined >= 0", name=op.f("ck_activities_joined_not_negative")),
        sa.CheckConstraint(
            "capacity IS NULL OR joined <= capacity", name=op.f("ck_activities_joined_within_capacity")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_activities_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_activities_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_activities_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("checkin_token", name=op.f("uq_activities_checkin_token")),
        sa.UniqueConstraint("community_id", "number", name="uq_activities_community_number"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_community_id"), ["community_id"], unique=False)
        batch_op.create_index("ix_activities_status_ends", ["status", "ends_at"], unique=False)
    op.create_table(
        "activity_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_groups_activity_id_activities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_groups")),
        sa.UniqueConstraint("activity_id", "chat_id", name="uq_activity_groups_activity_chat"),
    )
    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("press", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("checked_in_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_signups_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activity_signups_user_id_users")),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"], ["users.id"], name=op.f("fk_activity_signups_checked_in_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint("activity_id", "user_id", name="uq_activity_signups_activity_user"),
    )
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.create_index("ix_activity_signups_queue", ["activity_id", "status", "press"], unique=False)
        batch_op.create_index("ix_activity_signups_user_status", ["user_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_signups_user_status")
        batch_op.drop_index("ix_activity_signups_queue")
    op.drop_table("activity_signups")
    op.drop_table("activity_groups")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_status_ends")
        batch_op.drop_index(batch_op.f("ix_activities_community_id"))
    op.drop_table("activities")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attachment")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("activity_seq")
