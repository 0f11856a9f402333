"""FakeBotApiServer: the fake Bot API over HTTP on loopback, like a self-hosted Bot API server.

Routes: ``POST|GET /bot<token>/<method>`` (form-urlencoded, multipart/form-data, JSON body or
query string) and ``GET /file/bot<token>/<file_path>`` for downloads.  Each connection is served
by its own task, so a long-polling getUpdates does not hold up other calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tornado.httputil import HTTPFile, parse_body_arguments

from fakebot.errors import FakeNetworkError, FakeTimeoutError
from fakebot.models import UploadedFile
from fakebot.telegram import FakeTelegram

_METHOD_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
_FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_MAX_HEADER_LINES = 100
_MAX_BODY = 64 * 1024 * 1024
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class _BadHttp(Exception):
    """The client sent something that is not HTTP/1.x."""


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


class FakeBotApiServer:
    """Serves a :class:`FakeTelegram` over HTTP on ``host``:``port`` (0 picks a free port).

    Use with ``telegram.Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")``.
    """

    def __init__(self, fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The root URL, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve_connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and close every open connection (including waiting long polls)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        for writer in list(self._writers):
            writer.close()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> FakeBotApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- connections ----------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                if not await self._respond(request, reader, writer):
                    break
        except (_BadHttp, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_request(self, reader: asyncio.StreamReader) -> _Request | None:
        line = await reader.readline()
        if not line:
            return None
        parts = line.decode("latin-1").strip().split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadHttp(line)
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADER_LINES):
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise _BadHttp("too many headers")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(reader)
        else:
            length = int(headers.get("content-length", "0") or 0)
            if length > _MAX_BODY:
                raise _BadHttp("body too large")
            body = await reader.readexactly(length) if length else b""
        return _Request(parts[0].upper(), parts[1], parts[2], headers, body)

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def _write(
        self, writer: asyncio.StreamWriter, status: int, body: bytes, content_type: str, keep_alive: bool
    ) -> None:
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()

    async def _write_json(self, writer: asyncio.StreamWriter, body: dict[str, Any], keep_alive: bool) -> None:
        status = 200 if body.get("ok") else int(body.get("error_code", 400))
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await self._write(writer, status, payload, "application/json", keep_alive)

    async def _respond(
        self, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection must be closed afterwards."""
        split = urlsplit(request.target)
        path = unquote(split.path)
        keep_alive = request.keep_alive
        file_match = _FILE_PATH.match(path)
        if file_match is not None:
            stored = self.fake.state.files_by_path.get(file_match.group("path"))
            if file_match.group("token") != self.fake.token:
                await self._write_json(writer, _error(401, "Unauthorized"), keep_alive)
            elif stored is None:
                await self._write_json(writer, _error(404, "Not Found"), keep_alive)
            else:
                await self._write(writer, 200, stored.content, "application/octet-stream", keep_alive)
            return keep_alive
        match = _METHOD_PATH.match(path)
        if match is None:
            await self._write_json(writer, _error(404, "Not Found"), keep_alive)
            return keep_alive
        if match.group("token") != self.fake.token:
            await self._write_json(writer, _error(401, "Unauthorized"), keep_alive)
            return keep_alive
        try:
            params, files = _parse_body(request, split.query)
        except ValueError as exc:
            await self._write_json(writer, _error(400, f"Bad Request: {exc}"), keep_alive)
            return keep_alive
        method = match.group("method")
        call = asyncio.ensure_future(self.fake.handle(method, params, files))
        try:
            if method.lower() == "getupdates":
                body = await _unless_client_leaves(call, reader)
                if body is None:
                    return False
            else:
                body = await call
        except FakeNetworkError:
            return False  # the connection closes without an answer
        except FakeTimeoutError:
            await _until_client_leaves(reader)  # performed, but the answer never comes
            return False
        finally:
            if not call.done():
                call.cancel()
        await self._write_json(writer, body, keep_alive)
        return keep_alive


async def _unless_client_leaves(
    call: asyncio.Future[dict[str, Any]], reader: asyncio.StreamReader
) -> dict[str, Any] | None:
    """Await a long poll, cancelling it if the client disconnects first."""
    gone: asyncio.Future[Any] = asyncio.ensure_future(_until_client_leaves(reader))
    waited: list[asyncio.Future[Any]] = [call, gone]
    try:
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not gone.done():
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gone
    if call.done():
        return call.result()
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await call
    return None


async def _until_client_leaves(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError):
        while await reader.read(65536):
            pass


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _parse_body(request: _Request, query: str) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    params: dict[str, object] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    content_type = request.headers.get("content-type", "")
    if not request.body:
        return params, files
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(request.body)
        except ValueError:
            raise ValueError("can't parse JSON body") from None
        if not isinstance(decoded, dict):
            raise ValueError("the JSON body must be an object")
        params.update(decoded)
        return params, files
    arguments: dict[str, list[bytes]] = {}
    uploads: dict[str, list[HTTPFile]] = {}
    try:
        parse_body_arguments(content_type, request.body, arguments, uploads)
    except Exception as exc:
        raise ValueError(f"can't parse request body: {exc}") from None
    for name, values in arguments.items():
        params[name] = values[-1].decode("utf-8", "replace")
    for name, uploaded in uploads.items():
        part = uploaded[-1]
        files[name] = UploadedFile(part.filename or name, part.body, part.content_type or None)
    return params, files
