"""5341 escalations sent once per request and round, late requests found by index, daily digests once a day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_requests_respond_due", ["status", "respond_by"], unique=False)
        batch_op.create_index("ix_requests_resolve_due", ["status", "resolve_by"], unique=False)
        batch_op.create_index("ix_requests_community_updated", ["community_id", "updated_at"], unique=False)
    # Requests from before escalations existed count as escalated in their round: the upgrade does
    # not flood the staff groups and the super-admins with old late requests (/overdue lists them);
    # a reopened one escalates again in its new round.
    op.execute("UPDATE requests SET escalated_round = round, escalation_level = 3")
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_digests_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("community_id", "day", name="uq_digests_community_day"),
    )


def downgrade() -> None:
    op.drop_table("digests")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_community_updated")
        batch_op.drop_index("ix_requests_resolve_due")
        batch_op.drop_index("ix_requests_respond_due")
        batch_op.drop_column("escalation_level")
        batch_op.drop_column("escalated_round")
