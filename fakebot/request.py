"""FakeRequest: PTB's public ``BaseRequest`` extension point, answered by a FakeTelegram in-process."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from fakebot.errors import FakeNetworkError, FakeTimeoutError
from fakebot.models import UploadedFile
from fakebot.telegram import FakeTelegram

_METHOD_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


def _json_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def uploaded_files(request_data: RequestData | None) -> dict[str, UploadedFile]:
    """The multipart parts of a PTB request, as uploaded files keyed by part name."""
    files: dict[str, UploadedFile] = {}
    if request_data is None or not request_data.contains_files:
        return files
    for name, field_tuple in request_data.multipart_data.items():
        filename, content, *rest = field_tuple
        raw = content if isinstance(content, bytes) else content.read()
        mime_type = rest[0] if rest else None
        files[name] = UploadedFile(filename=str(filename or name), content=bytes(raw), mime_type=mime_type)
    return files


class FakeRequest(BaseRequest):
    """Answers every request of a ``telegram.Bot`` from a :class:`FakeTelegram`, without a network.

    A Bot uses one request object for getUpdates and another for everything else, so pass it
    twice: ``telegram.Bot(fake.token, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))``
    (see :func:`make_bot`), or ``ApplicationBuilder().token(fake.token).request(FakeRequest(fake))
    .get_updates_request(FakeRequest(fake))``.  File downloads (``File.download_*``) are served too.
    """

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = unquote(urlsplit(url).path)
        file_match = _FILE_PATH.search(path)
        if file_match is not None:
            return self._download(file_match.group("token"), file_match.group("path"))
        match = _METHOD_PATH.search(path)
        if match is None:
            return 404, _json_body({"ok": False, "error_code": 404, "description": "Not Found"})
        if match.group("token") != self.fake.token:
            return 401, _json_body({"ok": False, "error_code": 401, "description": "Unauthorized"})
        params: dict[str, object] = dict(request_data.parameters) if request_data is not None else {}
        try:
            body = await self.fake.handle(match.group("method"), params, uploaded_files(request_data))
        except FakeNetworkError as exc:
            raise NetworkError(f"Fake network error: {exc}") from exc
        except FakeTimeoutError as exc:
            raise TimedOut(f"Fake timeout: {exc}") from exc
        status = 200 if body.get("ok") else int(body.get("error_code", 400))
        return status, _json_body(body)

    def _download(self, token: str, file_path: str) -> tuple[int, bytes]:
        if token != self.fake.token:
            return 401, _json_body({"ok": False, "error_code": 401, "description": "Unauthorized"})
        stored = self.fake.state.files_by_path.get(file_path)
        if stored is None:
            return 404, _json_body({"ok": False, "error_code": 404, "description": "Not Found"})
        return 200, stored.content


def make_bot(fake: FakeTelegram, **kwargs: Any) -> Bot:
    """A ``telegram.Bot`` whose every request, getUpdates and downloads included, ``fake`` answers."""
    return Bot(fake.token, request=FakeRequest(fake), get_updates_request=FakeRequest(fake), **kwargs)
