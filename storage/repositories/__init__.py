"""Repositories, one aggregate a file. They query and insert through the unit of work's session
and never commit. Names: `get(id)` by primary key, `find_*` by another key (None when absent),
plural nouns for lists, verbs for changes (conditional where contended)."""

from storage.repositories.activities import ActivityRepository
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.communities import CommunityRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.group_members import GroupMemberRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.memberships import MembershipRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.points import PointsRepository
from storage.repositories.redemptions import RedemptionRepository
from storage.repositories.requests import RequestRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.rewards import RewardRepository
from storage.repositories.schedules import ScheduleRepository
from storage.repositories.triage_lessons import TriageLessonRepository
from storage.repositories.users import UserRepository

__all__ = [
    "ActivityRepository",
    "BroadcastRepository",
    "ChatRepository",
    "CommunityRepository",
    "ConversationRepository",
    "DigestRepository",
    "GroupMemberRepository",
    "InviteRepository",
    "MembershipRepository",
    "OutboxRepository",
    "PointsRepository",
    "RedemptionRepository",
    "RequestRepository",
    "RetentionRepository",
    "RewardRepository",
    "ScheduleRepository",
    "TriageLessonRepository",
    "UserRepository",
]
