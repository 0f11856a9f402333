"""Typed SQLAlchemy 2 models for communities, chats, people, roles and delivery.

Time stamps have no defaults here: `storage.clock.stamp_times` fills them from the unit of work's clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.request_states import RequestStatus
from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # Volunteers visit homes: a community may require staff approval before they take requests.
    volunteer_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Post a 晒单 card to the group when a request is confirmed.
    publicity: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last request number handed out (#1, #2, ... per community); raised by a conditional UPDATE.
    request_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The last activity number handed out (活动 #1, #2, ... per community), raised the same way.
    activity_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The property's duty phone (物业值班电话), given with the emergency numbers when someone is in danger.
    duty_phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column()


class Chat(Base):
    """A group the bot is (or was) in. Private chats are the users themselves."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))  # neighbourhood | staff; None while unbound
    title: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    buildings: Mapped[list[str]] = mapped_column(default=list)
    # When someone last wrote in it (kept to within minutes): recently active groups are asked first
    # when the bot looks up which groups a person is in.
    last_message_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # stored lower-case
    language: Mapped[str | None] = mapped_column(String(8))  # chosen with /lang; None: from Telegram
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    started: Mapped[bool] = mapped_column(Boolean, default=False)  # may the bot write privately?
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() if self.last_name else self.first_name

    @property
    def reachable(self) -> bool:
        return self.started and not self.blocked


class Membership(Base):
    """A person in a community: roles, where they live, and their volunteer profile."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "community_id", name="uq_memberships_user_community"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(default=list)  # staff, grid_worker, merchant
    grid_buildings: Mapped[list[str]] = mapped_column(default=list)
    display_name: Mapped[str | None] = mapped_column(String(64))
    building: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[list[str]] = mapped_column(default=list)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    # none | pending (awaiting staff approval) | active | suspended
    volunteer_status: Mapped[str] = mapped_column(String(16), default="none")
    joined_via: Mapped[str] = mapped_column(String(16), default="group")  # group | invite | staff
    # A volunteer may be named on 晒单 cards, and may ask for private nudges about fitting requests.
    named: Mapped[bool] = mapped_column(Boolean, default=True)
    nudges: Mapped[bool] = mapped_column(Boolean, default=False)
    last_nudged_at: Mapped[datetime | None] = mapped_column()
    # Set when the person is no longer in any of the community's groups; their history, points and
    # requests stay. Cleared when they come back.
    left_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class GroupMember(Base):
    """A person's standing in one group as last seen: from their messages, join and leave notices,
    chat_member updates and getChatMember lookups. The lookup cache: `seen_at` says how fresh it is."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("chat_id", "user_id", name="uq_group_members_chat_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # creator | administrator | member | restricted (in the group); left | kicked | absent (not)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # message | joined | left | chat_member | lookup
    seen_at: Mapped[datetime] = mapped_column()


class Invite(Base):
    """A join link staff hand out: t.me/<bot>?start=join-<code>."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()


class Conversation(Base):
    """The step a person is at in a guided flow (kept in the database so a restart loses nothing)."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column()


class ProcessedUpdate(Base):
    """An update whose effect (replies included) is committed; a redelivery finds it here."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), default="")
    processed_at: Mapped[datetime] = mapped_column()


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "id"),
        # The sender's next row of a chat reads only pending rows, however many were sent before.
        Index(
            "ix_outbox_chat_pending",
            "chat_id",
            "priority",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # A reply to an older copy of a card finds the card it was.
        Index("ix_outbox_chat_sent_message", "chat_id", "sent_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # send | card (post a card, rendered at send time) | edit_card (edit it, rendered at send time)
    # | drop_buttons (an older copy of a card loses its buttons) | media
    kind: Mapped[str] = mapped_column(String(16), default="send")
    text: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(64))  # what `text` was rendered from
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    reply_to_message_id: Mapped[int | None] = mapped_column(Integer)
    card_kind: Mapped[str | None] = mapped_column(String(32))
    card_ref: Mapped[int | None] = mapped_column(Integer)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fallback_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    fallback_text: Mapped[str | None] = mapped_column(Text)
    # pending | sent | failed | undeliverable | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Within a chat, higher goes first (an emergency reply or alert ahead of the queue), then row order.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_id: Mapped[int | None] = mapped_column(Integer)
    target_message_id: Mapped[int | None] = mapped_column(Integer)  # kind drop_buttons: the message
    # kind media: a photo, voice note, video or document sent again by its Telegram file id; for
    # media_kind qr, the link a QR code drawn when sent encodes; for media_kind upload, the file name
    # of `attachment` (a text file made by the bot, e.g. a CSV sign-in sheet), uploaded as a document.
    media_kind: Mapped[str | None] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(255))
    attachment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    # A row of a /broadcast (its copy to one group, or its pin there): the delivery report counts them.
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)


class CardMessage(Base):
    """Where a card was posted, so later edits find it."""

    __tablename__ = "card_messages"
    __table_args__ = (
        UniqueConstraint("card_kind", "card_ref", "chat_id", name="uq_card_messages_card_chat"),
        Index("ix_card_messages_chat_message", "chat_id", "message_id"),  # a reply to a card
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_kind: Mapped[str] = mapped_column(String(32))
    card_ref: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of what the message shows now
    # Whether it shows buttons now: a newer copy in the chat takes them away from this one.
    has_buttons: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()


class Request(Base):
    """A resident's request (点单), numbered per community, from filing to rating."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("community_id", "number", name="uq_requests_community_number"),
        Index("ix_requests_community_status", "community_id", "status"),
        Index("ix_requests_album", "source_chat_id", "media_group_id"),  # an album's later parts
        # The sweep's 5341 escalations look for late requests by state and deadline.
        Index("ix_requests_respond_due", "status", "respond_by"),
        Index("ix_requests_resolve_due", "status", "resolve_by"),
        # The daily digest reads what changed in a day (every step raises updated_at).
        Index("ix_requests_community_updated", "community_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    number: Mapped[int] = mapped_column(Integer)
    # The resident it is for; None when staff filed it for someone who phoned or walked in.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf_name: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(64))  # never shown in a group
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(
        Boolean, default=False
    )  # group card shows category and building only
    category: Mapped[str] = mapped_column(String(32))
    complexity: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer, default=0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    building: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    room: Mapped[str | None] = mapped_column(String(32))  # never shown in a group
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the group it was filed in
    source_message_id: Mapped[int | None] = mapped_column(Integer)
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    # a RequestStatus (storage/request_states.py); changed only through RequestRepository.transition
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)  # raised on every reopen
    respond_by: Mapped[datetime] = mapped_column()
    resolve_by: Mapped[datetime] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    done_note: Mapped[str | None] = mapped_column(Text)
    auto_confirm_at: Mapped[datetime | None] = mapped_column(index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    auto_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column()  # the first rating; a change is allowed shortly after
    # The 5341 escalations sent in round `escalated_round` (storage/request_states.py Escalation:
    # 1 nobody claimed it, 2 not done in time, 3 the super-admins told); a round without any is 0.
    # Raised only by a conditional UPDATE, so each level is sent once per round.
    escalated_round: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # triage: how sure the classifier was of `category` (None: filed before it, or staff set it);
    # staff picked or corrected the category (the card stops offering category buttons)
    triage_confidence: Mapped[float | None] = mapped_column(Float)
    category_checked: Mapped[bool] = mapped_column(Boolean, default=False)


class RequestEvent(Base):
    """One step of a request, with who did it and when (全程留痕). Never updated."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the bot itself
    kind: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # e.g. who it was assigned to
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class RequestMedia(Base):
    """A photo, voice note or video kept with a request (by Telegram file id).

    Album parts that arrive before their captioned part wait here without a request until it comes.
    """

    __tablename__ = "request_media"
    __table_args__ = (Index("ix_request_media_album", "chat_id", "media_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # photo | voice | video | document
    file_id: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(16), default="intake")  # intake | added | done
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()


class PointAccount(Base):
    """A person's points in one community. `balance` always equals the sum of the account's entries."""

    __tablename__ = "point_accounts"
    __table_args__ = (UniqueConstraint("community_id", "user_id", name="uq_point_accounts_community_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class PointEntry(Base):
    """Append-only ledger: corrections are reversing entries; the idempotency key makes a repeat a no-op."""

    __tablename__ = "point_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("point_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # positive earns, negative spends or reverses
    kind: Mapped[str] = mapped_column(String(16))  # earn | spend | reverse
    reason: Mapped[str] = mapped_column(String(32))  # request | activity | redemption | ...
    ref_id: Mapped[int | None] = mapped_column(Integer)  # the request (or later: redemption) it is for
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()


class Reward(Base):
    """Something points buy in a community's points shop (积分超市). `stock` counts the units not yet
    handed over (None: unlimited); `reserved` those of them promised to pending redemptions, so
    `stock - reserved` is what can still be redeemed, and it never goes below zero."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("stock IS NULL OR stock >= reserved", name="stock_covers_reserved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    # The merchant (商家) who hands it over; None: the community's staff do.
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    monthly_limit: Mapped[int | None] = mapped_column(Integer)  # per person per calendar month
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: retired
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class Redemption(Base):
    """One reward bought with points (兑换), from the debit to its handing over (核销), cancel or expiry.
    `status` changes only by conditional UPDATE from pending, so exactly one of those happens."""

    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_due", "status", "expires_at"),
        Index("ix_redemptions_user_reward", "user_id", "reward_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)  # shown to the merchant
    # What made it (the confirm message pressed): pressing it twice finds this row again.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    cost: Mapped[int] = mapped_column(Integer)  # the points paid (the reward's cost may change later)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|fulfilled|cancelled|expired
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("point_entries.id"))  # the debit
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()  # cancelled or expired (and refunded)
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class PointAward(Base):
    """Points staff award or deduct by hand, with a reason (the ledger entry's `ref_id` points here).

    A large award waits as `pending` until a second staff member confirms it (`confirmed`) or not
    (`rejected`, `expired`); the others are `posted` at once. Changed only by a conditional UPDATE."""

    __tablename__ = "point_awards"
    __table_args__ = (Index("ix_point_awards_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the update that made it
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # whose points
    amount: Mapped[int] = mapped_column(Integer)  # positive awards, negative deducts
    reason: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who awarded it
    status: Mapped[str] = mapped_column(String(16))  # posted | pending | confirmed | rejected | expired
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the second staff member
    decided_at: Mapped[datetime | None] = mapped_column()
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # where it was asked (the told fallback)
    created_at: Mapped[datetime] = mapped_column()


class Schedule(Base):
    """Something that happens at stored times (a reminder, an activity reminder, housekeeping), found
    by (kind, key). `due_at` is its next fire time in UTC (None: no more fires); the tick looks only
    at rows with `due_at <= now`, through its index. `rule` is a `bot.when.Rule` spec, read in `tz`.
    A draft (a /remind not yet confirmed) never fires."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_schedules_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    tz: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any]] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A handler that raised: how often in a row for the fire at `due_at`, and not again before `retry_at`.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class ScheduleFire(Base):
    """One fire time of one schedule, recorded once: the unique (schedule, fire time) is what makes a
    second instance or a rerun of the tick do nothing. Kept when its schedule is deleted."""

    __tablename__ = "schedule_fires"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_at", name="uq_schedule_fires_schedule_fire_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(Integer)
    fire_at: Mapped[datetime] = mapped_column()
    ran_at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))  # sent | skipped (missed, past the grace) | failed


class Digest(Base):
    """A daily digest sent to a community's staff groups: one row per community and local day, so a
    rerun, a restart or a second instance sends none again."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("community_id", "day", name="uq_digests_community_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    day: Mapped[date] = mapped_column(Date)  # the community's local day it reports on (yesterday)
    created_at: Mapped[datetime] = mapped_column()


# -- volunteer activities (活动): announcement, sign-up with capacity and waitlist, check-in ---------
class Activity(Base):
    """An activity staff publish (a clean-up, a haircut day, a 坝坝会), numbered per community.

    `joined` counts the sign-ups holding a place; it is raised only by a conditional UPDATE
    (`capacity IS NULL OR joined < capacity`), so the places can never be over-taken."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("community_id", "number", name="uq_activities_community_number"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("joined >= 0", name="joined_not_negative"),
        CheckConstraint("capacity IS NULL OR joined <= capacity", name="joined_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_activities_status_ends", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    joined: Mapped[int] = mapped_column(Integer, default=0)  # sign-ups holding a place
    points: Mapped[int] = mapped_column(Integer, default=0)  # for attending
    audience: Mapped[str] = mapped_column(String(16), default="everyone")  # everyone | volunteers
    signup_deadline: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | cancelled | ended
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    photo_file_id: Mapped[str | None] = mapped_column(String(255))  # attached by staff, for the thanks
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True)  # t.me/<bot>?start=act_<token>
    ended_at: Mapped[datetime | None] = mapped_column()  # when no-shows and the thanks were done
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class ActivityGroup(Base):
    """A group an activity is announced in (its card's messages are in card_messages)."""

    __tablename__ = "activity_groups"
    __table_args__ = (UniqueConstraint("activity_id", "chat_id", name="uq_activity_groups_activity_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the group's Telegram chat id
    created_at: Mapped[datetime] = mapped_column()


class Signup(Base):
    """One person's sign-up (报名) for an activity. `status` changes only by conditional UPDATE:
    joined | waitlisted | left | removed | attended | no_show. The waitlist is in press order:
    `press` is the Telegram update id of the press (Telegram numbers updates as they arrive)."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_activity_signups_activity_user"),
        Index("ix_activity_signups_queue", "activity_id", "status", "press"),
        Index("ix_activity_signups_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    press: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the group they signed up in (mentions)
    checked_in_at: Mapped[datetime | None] = mapped_column()
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: by QR
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class Broadcast(Base):
    """A notice staff send to the neighbourhood groups of a community with /broadcast.

    `preview` until the sender presses 发送 (`sending`: one outbox row per group, bulk priority) or
    取消 (`cancelled`); `done` once every row is delivered or failed and the report is queued. A pin
    of it (置顶) is `pin_status` pinning, then pinned. Changed only by conditional UPDATEs."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the update that made it
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)  # where it was asked (the report's fallback)
    text: Mapped[str] = mapped_column(Text)  # exactly as the groups get it (rendered, masked)
    file_id: Mapped[str | None] = mapped_column(String(255))  # a photo, `text` its caption
    buildings: Mapped[list[str]] = mapped_column(default=list)  # empty: every neighbourhood group
    status: Mapped[str] = mapped_column(String(16))  # preview | sending | done | cancelled
    groups: Mapped[int] = mapped_column(Integer, default=0)  # rows queued when it was confirmed
    pin_status: Mapped[str | None] = mapped_column(String(16))  # None | pinning | pinned
    confirmed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class TriageLesson(Base):
    """A request's category as staff set it (a card pick or /category): what that community's
    triage learns from. One row per request, the latest decision (a pick corrected later teaches
    the correction only)."""

    __tablename__ = "triage_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # pick | command
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
