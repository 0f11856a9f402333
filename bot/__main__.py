"""Command line: `python -m bot <command>` or `linli <command>`.

run          apply migrations, then poll Telegram (or serve its webhook when WEBHOOK_URL is set)
db upgrade   apply migrations
sandbox      chat with the bot offline in the terminal (fake Telegram, SQLite)
demo         play a scripted tour offline and print the transcript
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure

NO_TOKEN = """TELEGRAM_BOT_TOKEN is not set.
To get one: open Telegram, talk to @BotFather, send /newbot and follow the steps; then put
TELEGRAM_BOT_TOKEN=<the token> in .env (see .env.example).
To try Linli without Telegram, run:  python -m bot sandbox   (or: make demo)"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="linli", description="Linli (邻里): a neighbourhood assistant for Telegram"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="apply migrations and start polling Telegram")
    db = commands.add_parser("db", help="database commands")
    db.add_argument("action", choices=["upgrade"])
    commands.add_parser("sandbox", help="chat with the bot offline in this terminal")
    demo = commands.add_parser("demo", help="play a scripted tour offline and print the transcript")
    demo.add_argument("--locale", choices=["zh_CN", "en"], default=None)
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level, settings.token(), json_lines=settings.log_json)

    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "run":
        return _run(settings)
    # The offline package (fake Telegram, demo, sandbox) is built on the bot, not part of it:
    # it is imported only here, for the command that runs it.
    if args.command == "sandbox":
        from offline.sandbox import sandbox

        return asyncio.run(sandbox(settings))
    from offline.demo import demo as play

    return asyncio.run(play(settings, locale=args.locale))


async def _upgrade(settings: Settings) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _run(settings: Settings) -> int:
    if not settings.token():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import ALLOWED_UPDATES, build_application

    asyncio.run(_upgrade(settings))
    if settings.webhook_url:
        return _serve_webhook(settings)
    app = build_application(settings)
    app.run_polling(allowed_updates=ALLOWED_UPDATES)  # SIGTERM: stop polling, flush, shut down
    return 0


def _serve_webhook(settings: Settings) -> int:
    """Webhook mode under uvicorn. On SIGTERM uvicorn stops accepting, lets in-flight updates finish
    (within DRAIN_SECONDS), then the lifespan flushes the outbox and shuts the bot down; exit 0."""
    import uvicorn

    from bot.app import build_application
    from bot.web.webhook import web_app

    app = build_application(settings, webhook=True)
    config = uvicorn.Config(
        web_app(app),
        host=settings.webhook_listen,
        port=settings.webhook_port,
        log_config=None,  # our logging set-up (and its token redaction) applies to uvicorn too
        timeout_graceful_shutdown=max(1, int(settings.drain_seconds)),
        proxy_headers=True,
    )
    # uvicorn drains on SIGTERM/SIGINT, then raises the signal again with the handlers found before
    # it started; with these, that second raise does nothing and the drained process exits 0.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: None)
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
