"""Indexes for the queries that ran on every delivery and every reply and grew with the tables: the
sender's next pending row of a chat, the card a reply answers, an album's request.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_chat_pending",
        "outbox",
        ["chat_id", "priority", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_outbox_chat_sent_message", "outbox", ["chat_id", "sent_message_id"])
    op.create_index("ix_card_messages_chat_message", "card_messages", ["chat_id", "message_id"])
    op.create_index("ix_requests_album", "requests", ["source_chat_id", "media_group_id"])


def downgrade() -> None:
    op.drop_index("ix_requests_album", table_name="requests")
    op.drop_index("ix_card_messages_chat_message", table_name="card_messages")
    op.drop_index("ix_outbox_chat_sent_message", table_name="outbox")
    op.drop_index("ix_outbox_chat_pending", table_name="outbox")
