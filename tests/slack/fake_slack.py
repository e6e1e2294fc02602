"""A local stand-in for the Slack Web API (aiohttp on 127.0.0.1) that records every call it gets."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

TEAM = "T0ENGAGE"
BOT_USER = "UBOT"


@dataclass
class Call:
    """One Web API call: the method and its parameters (query, form or JSON, decoded)."""

    method: str
    params: dict[str, Any]
    authorization: str | None = None
    """The request's Authorization header (`Bearer xoxb-…`: which workspace's token made the call)."""

    def blocks(self) -> list[dict[str, Any]]:
        """The call's blocks, decoded."""
        raw = self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []
        return json.loads(raw) if isinstance(raw, str) else list(raw)

    def text_of_blocks(self) -> str:
        """Every text in the call's blocks, one per line (to assert on what a member sees)."""
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    out.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks())
        return "\n".join(out)


@dataclass
class FakeSlack:
    """Answers Web API methods like Slack does; `fail(method, …)` scripts errors and rate limits."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    """Methods whose answer waits until their event is set (a slow or hanging Web API call)."""
    channels: dict[str, dict[str, Any]] = field(default_factory=lambda: {"C0GENERAL": {"id": "C0GENERAL", "name": "general", "is_member": True}})
    scopes: str = "chat:write,chat:write.public,commands,im:write,users:read,usergroups:read,channels:read,groups:read,channels:history," \
                  "groups:history,reactions:read,files:write"
    page_size: int = 0
    """How many items a page of `conversations.list` or `users.list` holds at most (0: as many as `limit` asks)."""
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    """OAuth: what oauth.v2.access answers for each code (an unknown code is `invalid_code`)."""
    bots: dict[str, dict[str, Any]] = field(default_factory=dict)
    """auth.test's answer for other bot tokens than the default workspace's (OAuth installs)."""

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{hook}", self._response_url)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/link", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Answer every held call, then stop listening (aiohttp would wait a minute for a held handler)."""
        for event in self.held.values():
            event.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api(self) -> str:
        """The Web API base URL to configure (`slack.api_base_url`)."""
        return f"{self.url}/api/"

    def fail(self, method: str, *, status: int = 200, headers: dict[str, str] | None = None, error: str | None = None, **fields: str) -> None:
        """Make the next call of `method` fail (an HTTP status such as 429, or `{"ok": false, "error": …}` with `fields`, e.g. `needed`)."""
        body: dict[str, Any] = {"ok": False, "error": error or "ratelimited", **fields}
        self.failures.setdefault(method, []).append((status, headers or {}, body))

    def called(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        """Every method called, in order (auth.test and look-ups left out)."""
        return [c.method for c in self.calls if c.method not in ("auth.test", "users.info", "usergroups.list")]

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            elif request.content_type == "application/x-www-form-urlencoded":
                params.update(parse_qsl(raw.decode()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, request.headers.get("Authorization")))
        if method in self.held:
            await self.held[method].wait()
        queued = self.failures.get(method)
        if queued:
            status, headers, body = queued.pop(0)
            return web.json_response(body, status=status, headers=headers)
        if method == "conversations.info" and str(params.get("channel")) not in self.channels:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        if method == "users.info" and self.users and str(params.get("user")) not in self.users:
            return web.json_response({"ok": False, "error": "user_not_found"})
        if method == "oauth.v2.access" and str(params.get("code")) not in self.grants:
            return web.json_response({"ok": False, "error": "invalid_code"})
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if method == "auth.test" and token in self.bots:
            return web.json_response({"ok": True, **self.bots[token]})
        return web.json_response(self._answer(method, params), headers={"x-oauth-scopes": self.scopes} if method == "auth.test" else None)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "oauth.v2.access":
            return {**ok, **self.grants[str(params["code"])]}
        if method == "auth.test":
            return {**ok, "team_id": TEAM, "team": "Engage Test", "user_id": BOT_USER, "bot_id": "B0BOT", "url": "https://test.slack.com/"}
        if method == "chat.postMessage":
            return {**ok, "channel": params.get("channel"), "ts": f"1767700000.{next(self._ts):06d}"}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"1767700000.{next(self._ts):06d}"}
        if method == "conversations.open":
            return {**ok, "channel": {"id": "D" + str(params.get("users", "")).lstrip("U")}}
        if method in ("views.publish", "views.open"):
            return {**ok, "view": {"id": "V0VIEW"}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")), {"id": params.get("user"), "name": str(params.get("user")).lower()})
            return {**ok, "user": user}
        if method == "usergroups.list":
            return {**ok, "usergroups": self.usergroups}
        if method == "files.getUploadURLExternal":
            return {**ok, "upload_url": f"{self.url}/upload/F0FILE", "file_id": "F0FILE"}
        if method == "files.completeUploadExternal":
            return {**ok, "files": [{"id": "F0FILE", "title": params.get("files", "")}]}
        if method == "apps.connections.open":
            return {**ok, "url": self.url.replace("http://", "ws://") + "/link"}
        if method == "conversations.list":
            types = str(params.get("types") or "public_channel").split(",")
            shown = [c for c in self.channels.values() if ("private_channel" if c.get("is_private") else "public_channel") in types]
            return {**ok, **self._page("channels", shown, params)}
        if method == "users.list":
            return {**ok, **self._page("members", list(self.users.values()), params)}
        if method == "conversations.info":
            return {**ok, "channel": self.channels[str(params.get("channel"))]}
        if method == "files.info":
            return {**ok, "file": {"id": "F0FILE"}}
        return ok

    def _page(self, key: str, items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """One page of a cursor-paged list, as Slack cuts it: at most `limit` (and `page_size`) items from the `cursor` on."""
        start = int(params.get("cursor") or 0)
        caps = [n for n in (int(params.get("limit") or 0), self.page_size) if n > 0]
        end = start + max(1, min(caps)) if caps else len(items)
        return {key: items[start:end], "response_metadata": {"next_cursor": str(end) if end < len(items) else ""}}

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", json.loads(await request.read())))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append(Call("upload", {"bytes": len(body), "png": b"\x89PNG\r\n" in body}))  # a PNG's signature in the upload
        return web.Response(text="OK")

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then read the client's acks (envelopes are sent with `push`)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0ENGAGE"}})
        self.connected.set()
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                await self.acks.put(json.loads(msg.data))
        return ws

    async def push(self, envelope_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """Deliver a payload over Socket Mode and wait (at most 5 s) for the client's ack."""
        await asyncio.wait_for(self.connected.wait(), 5)
        await self.sockets[-1].send_json({"envelope_id": envelope_id, "type": kind, "payload": body, "accepts_response_payload": kind != "events_api"})
        return await asyncio.wait_for(self.acks.get(), 5)
