"""Application services: plain async functions per feature, Telegram-free.

Each takes a unit of work, owns its transaction (commits once at the end), and raises
`Refused` for anything the person should be told politely instead.
"""
