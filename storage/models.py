"""Typed SQLAlchemy 2 models for communities, chats, people, roles and delivery.

Time stamps have no defaults here: `storage.clock.stamp_times` fills them from the unit of work's clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
    # media_kind qr, the link a QR code drawn when sent encodes.
    media_kind: Mapped[str | None] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()


class CardMessage(Base):
    """Where a card was posted, so later edits find it."""

    __tablename__ = "card_messages"
    __table_args__ = (
        UniqueConstraint("card_kind", "card_ref", "chat_id", name="uq_card_messages_card_chat"),
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
