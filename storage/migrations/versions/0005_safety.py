"""Safety: the property's duty phone, and urgent outbox rows first.

- communities.duty_phone: given with the emergency numbers when someone is in danger (NULL: none).
- outbox.priority: within a chat, a higher priority is delivered first (existing rows 0).

Volunteers' buildings typed before this ("五号楼一单元") need no rewrite: dispatch compares
buildings through triage's building_key, which reads every form; new answers are stored canonical.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duty_phone", sa.String(length=32), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("priority")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("duty_phone")
