"""Deleting what is no longer needed: old processed-update records, sent outbox rows, stray album parts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.models import OutboxMessage, ProcessedUpdate, RequestMedia
from storage.repositories.base import Repository, rowcount


class RetentionRepository(Repository):
    async def prune_processed_updates(self, before: datetime) -> int:
        """Telegram redelivers an update within hours, not weeks: records older than `before` go."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return rowcount(result)

    async def prune_sent_outbox(self, before: datetime) -> int:
        """Rows Telegram confirmed before `before`; pending, failed and undeliverable rows stay."""
        result = await self.session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.sent_at < before)
        )
        return rowcount(result)

    async def prune_album_parts(self, before: datetime) -> int:
        """Parts of an album that waited for their captioned part since before `before`, and it never came."""
        result = await self.session.execute(
            delete(RequestMedia).where(
                RequestMedia.request_id.is_(None),
                RequestMedia.media_group_id.is_not(None),
                RequestMedia.created_at < before,
            )
        )
        return rowcount(result)
