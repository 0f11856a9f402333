"""Repositories, one aggregate a file. They query and insert through the unit of work's session
and never commit. Names: `get(id)` by primary key, `find_*` by another key (None when absent),
plural nouns for lists, verbs for changes (conditional where contended)."""

from storage.repositories.chats import ChatRepository
from storage.repositories.communities import CommunityRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.group_members import GroupMemberRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.memberships import MembershipRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.points import PointsRepository
from storage.repositories.redemptions import RedemptionRepository
from storage.repositories.requests import RequestRepository
from storage.repositories.rewards import RewardRepository
from storage.repositories.triage_lessons import TriageLessonRepository
from storage.repositories.users import UserRepository

__all__ = [
    "ChatRepository",
    "CommunityRepository",
    "ConversationRepository",
    "GroupMemberRepository",
    "InviteRepository",
    "MembershipRepository",
    "OutboxRepository",
    "PointsRepository",
    "RedemptionRepository",
    "RequestRepository",
    "RewardRepository",
    "TriageLessonRepository",
    "UserRepository",
]
