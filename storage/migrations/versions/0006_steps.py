"""Older copies of a card lose their buttons; a rating may be changed shortly after it is given.

- outbox.target_message_id: for rows of kind drop_buttons, the older copy of a card to edit.
- card_messages.has_buttons: whether the copy shows buttons now (existing copies: assumed so).
- requests.rated_at: when the first rating of the current round was given (existing rows: NULL,
  so their ratings can no longer be changed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_message_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("card_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("has_buttons", sa.Boolean(), nullable=False, server_default="1"))
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rated_at", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("rated_at")
    with op.batch_alter_table("card_messages", schema=None) as batch_op:
        batch_op.drop_column("has_buttons")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("target_message_id")
