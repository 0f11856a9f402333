"""The bench sets a community up the way the product does."""

from __future__ import annotations

from tests.services.bench import Bench, Estate


async def test_estate_has_a_resident_and_an_active_volunteer(bench: Bench, home: Estate) -> None:
    community = await bench.community()
    async with bench.uow() as uow:
        for person, status in ((home.resident, "none"), (home.volunteer, "active")):
            user = await uow.users.find_by_telegram_id(person.telegram_id)
            assert user is not None and user.reachable
            membership = await uow.memberships.find(user.id, community.id)
            assert membership is not None and membership.volunteer_status == status
        kinds = {c.telegram_id: c.kind for c in await uow.chats.of_community(community.id)}
    assert kinds == {home.group.chat_id: "neighbourhood", home.staff_group.chat_id: "staff"}
