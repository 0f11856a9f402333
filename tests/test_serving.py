"""`linli run` in webhook mode as a real process against the fake Bot API over HTTP: ready when it can
work, and SIGTERM drains (in-flight updates finish, the outbox is flushed) and exits 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

from bot.web.webhook import SECRET_HEADER
from fakebot import FakeBotApiServer, FakeTelegram
from tests.webhook_world import SECRET, WEBHOOK_URL

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(client: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if process.returncode is not None:
            raise AssertionError(f"the bot exited with {process.returncode} before it was ready")
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the bot was not ready within 30 s")


async def test_sigterm_finishes_what_was_answered_and_exits_0(tmp_path: Path) -> None:
    fake = FakeTelegram()
    residents = [fake.add_user(f"居民{i}") for i in range(5)]
    port = free_port()
    async with FakeBotApiServer(fake) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_BASE_URL": server.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}",
            "WEBHOOK_URL": WEBHOOK_URL,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
            "LOG_JSON": "true",
            "PYTHONPATH": str(ROOT),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                await wait_ready(client, process)
                assert fake.updates.webhook is not None and fake.updates.webhook["secret_token"] == SECRET
                for _ in range(3):  # a private chat gets one message a second: replies queue up
                    for resident in residents:
                        fake.send_text(resident, fake.private_chat(resident), "/start")
                updates = await fake.updates.fetch(
                    offset=None, limit=100, wait_seconds=0, allowed_updates=None
                )
                answers = await asyncio.gather(
                    *(client.post("/telegram/hook", json=u, headers={SECRET_HEADER: SECRET}) for u in updates)
                )
                assert [a.status_code for a in answers] == [200] * len(updates)
                process.send_signal(signal.SIGTERM)  # at once: replies may still be in the outbox
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    for resident in residents:
        assert len(fake.bot_messages(fake.private_chat(resident))) >= 3, "an answered update lost its reply"
    log = stderr.decode()
    assert fake.token not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines and all("levelname" in line and "message" in line for line in lines)
    assert any("outbox flushed" in line["message"] for line in lines)
