"""Refuse request bodies over the configured size with 413, before anything parses them."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import envelope_bytes
from service.errors import ErrorCode


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        verdict = self._framing(scope["headers"])
        if verdict == "refuse":
            await self._refuse(send)
            return
        if verdict == "pass":
            await self.app(scope, receive, send)
            return
        # Chunked bodies (or a length the server did not check): buffer up to the limit, then replay.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replay([body], receive), send)

    def _framing(self, headers: list[tuple[bytes, bytes]]) -> str:
        """ "refuse" a declared length over the limit, "pass" a body the server frames itself (a checked
        Content-Length, or no body: HTTP/1.1 without either header has none), else "count" it."""
        declared = chunked = None
        for name, value in headers:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = value
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_bytes:
                return "refuse"
            return "pass" if chunked is None else "count"
        return "pass" if declared is None and chunked is None else "count"

    async def _refuse(self, send: Send) -> None:
        body = envelope_bytes(
            ErrorCode.payload_too_large,
            f"request body is larger than {self.max_bytes} bytes; send less",
            {"max_bytes": self.max_bytes},
        )
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def replay(messages: list[Message], then: Receive) -> Receive:
    """Hand out the buffered messages, then defer to the server (which reports the client's disconnect)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return await then()

    return receive
