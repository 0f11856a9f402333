"""Real `linli run` processes in webhook mode against the fake Bot API over HTTP (loopback only), for
the tests and the load benchmark."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx

from bot.web.webhook import SECRET_HEADER
from fakebot import FakeBotApiServer, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
# Where a test or benchmark "Telegram" posts; nothing is ever fetched from this host.
WEBHOOK_URL = "https://linli.example.org/telegram/hook"
HOOK_PATH = "/telegram/hook"
SECRET = "s3cret-for_tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    """One bot process: started with `start()`, posted to with `post()`, ended by a signal."""

    def __init__(
        self, fake: FakeTelegram, server: FakeBotApiServer, database_url: str, cwd: Path, **env: str
    ):
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_BASE_URL": server.url,
            "DATABASE_URL": database_url,
            "WEBHOOK_URL": WEBHOOK_URL,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(self.port),
            "LOG_JSON": "true",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        self.stderr = b""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.cwd, env=self.env, stderr=asyncio.subprocess.PIPE
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def wait_ready(self, seconds: float = 60) -> dict[str, Any]:
        assert self.process is not None
        for _ in range(int(seconds * 10)):
            if self.process.returncode is not None:
                _, err = await self.process.communicate()
                raise AssertionError(f"exited with {self.process.returncode}: {err.decode()[-3000:]}")
            try:
                response = await self.client.get("/readyz")
                if response.status_code == 200:
                    return dict(response.json())
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"not ready within {seconds} s")

    async def readiness(self) -> dict[str, Any]:
        return dict((await self.client.get("/readyz")).json())

    async def post(self, update: dict[str, Any]) -> int:
        response = await self.client.post(HOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
        return response.status_code

    async def end(self, sig: signal.Signals = signal.SIGTERM, seconds: float = 30) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        _, self.stderr = await asyncio.wait_for(self.process.communicate(), timeout=seconds)
        await self.client.aclose()
        return int(self.process.returncode or 0)

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stderr.decode().splitlines() if line.startswith("{")]
