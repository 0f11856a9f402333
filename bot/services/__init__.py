"""Application services, one folder per feature (named from DESIGN's glossary), Telegram-free.

    requests/     点单 to 评价: intake, claim, finish, reopen, cancel, rating, corrections, views
    volunteers/   registration, profile, approval
    community/    people, groups, roles; where a private message or a bare /cancel belongs
    points/       the ledger and /points
    shared/       running one service per update, its environment, refusals, the outbox helpers

A service takes a unit of work and plain values, raises `Refused` for anything the person should
be told politely instead, and never commits: `shared.runner.Deps.run` commits once when it returns.
Jobs (automatic confirmation) open and commit their own unit of work per item.
"""
