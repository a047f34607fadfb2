"""HTTP caching for the answers that are a pure function of the URL: `ETag`, `Cache-Control`, 304.

`GET /v1/recommendations?q=...` and the catalogue routes (`/v1/rules`, `/v1/drivers`, `/v1/review-rules`,
`/v1/plugins` and their `/{id}` pages) answer the same bytes for the same URL (and, for recommendations,
the same `Accept`) as long as the catalogue is the same. So a reverse proxy, a CDN or a browser may keep
them, and revalidate cheaply:

- a 200 carries a strong `ETag`, a digest of the body and of the metadata that tells representations apart
  (`Content-Type`, `Content-Language`): equal tags mean equal bytes in the same format and language,
  whatever changed on the server (catalogue, code), so a tag can never vouch for a stale answer, and an
  English answer's tag never revalidates a Chinese one;
- `Cache-Control: public, max-age=300`, or `private, max-age=300` when API keys are configured (a shared
  cache must not hand one client's authorised answer to another);
- `Vary: Accept` on `/v1/recommendations`, whose format follows the `Accept` header, merged into the one
  `Vary` the route already sends (`Accept-Language`, service/api/language.py): `Vary: Accept-Language,
  Accept`;
- `If-None-Match` is compared the weak way RFC 9110 (13.1.2) asks of it: `W/"x"` matches `"x"`, a list
  matches if any member does, `*` matches any answer; a match gets `304 Not Modified` with the `ETag`,
  `Cache-Control`, `Vary` and `Content-Language` it would have had, and no body (RFC 9110 15.4.5).

The document lists the 304 on every such GET (`document_not_modified`, from the same `cacheable` test).

Errors (404, 422) are sent as they are, without these headers. A pure ASGI middleware, inside the API-key
check: a client without a key gets its 401, never a 304.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_AGE = 300
_EXACT = frozenset({"/v1/recommendations", "/v1/rules", "/v1/drivers", "/v1/review-rules", "/v1/plugins"})
_PREFIXES = ("/v1/rules/", "/v1/drivers/", "/v1/review-rules/", "/v1/plugins/")
_VARY_ACCEPT = frozenset({"/v1/recommendations"})
# An entity tag in a list: optional weakness marker, then a quoted opaque string (RFC 9110 8.8.3).
_ENTITY_TAG = re.compile(r'(?:W/)?"([^"]*)"')


def cacheable(path: str) -> bool:
    return path in _EXACT or path.startswith(_PREFIXES)


# What a 304 repeats of the 200 it stands for, besides the validators (RFC 9110 15.4.5).
_KEPT_ON_304 = (b"vary", b"content-language")


def entity_tag(body: bytes, content_type: bytes = b"", content_language: bytes = b"") -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in (content_type, content_language):  # length-prefixed: no two triples hash the same input
        digest.update(len(part).to_bytes(4, "big") + part)
    digest.update(body)
    return '"' + digest.hexdigest() + '"'


def merged_vary(headers: list[tuple[bytes, bytes]], extra: bytes | None) -> bytes | None:
    """One `Vary` value: every name the answer's own `Vary` headers list, then `extra` if not among them."""
    names = [
        name.strip()
        for key, value in headers
        if key.lower() == b"vary"
        for name in value.split(b",")
        if name.strip()
    ]
    if extra is not None and extra.lower() not in {name.lower() for name in names}:
        names.append(extra)
    return b", ".join(names) if names else None


def none_match(header: str, tag: str) -> bool:
    """Whether `If-None-Match: header` matches the current strong `tag` (weak comparison)."""
    if header.strip() == "*":
        return True
    opaque = tag[1:-1]
    return any(found.group(1) == opaque for found in _ENTITY_TAG.finditer(header))


class ConditionalGet:
    def __init__(self, app: ASGIApp, private: bool) -> None:
        self.app = app
        self.cache_control = f"{'private' if private else 'public'}, max-age={MAX_AGE}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not cacheable(scope["path"]):
            await self.app(scope, receive, send)
            return
        condition = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":  # several headers are one comma-separated list (RFC 9110 5.3)
                condition = value if condition is None else condition + b"," + value
        start: Message | None = None
        chunks: list[bytes] = []
        vary = scope["path"] in _VARY_ACCEPT

        async def hold_until_complete(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await send(message)  # errors go out as they are; start stays None
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(send, start, b"".join(chunks), condition, vary)

        await self.app(scope, receive, hold_until_complete)

    async def _finish(
        self, send: Send, start: Message, body: bytes, condition: bytes | None, vary: bool
    ) -> None:
        own = [(name.lower(), value) for name, value in start.get("headers", ())]
        found = dict(own)
        tag = entity_tag(body, found.get(b"content-type", b""), found.get(b"content-language", b""))
        validators = [(b"etag", tag.encode()), (b"cache-control", self.cache_control)]
        joined = merged_vary(own, b"Accept" if vary else None)
        kept = [(b"vary", joined)] if joined is not None else []
        kept += [(b"content-language", found[b"content-language"])] if b"content-language" in found else []
        if condition is not None and none_match(condition.decode("latin-1"), tag):
            await send({"type": "http.response.start", "status": 304, "headers": [*validators, *kept]})
            await send({"type": "http.response.body", "body": b""})
            return
        rest = [(name, value) for name, value in own if name not in _KEPT_ON_304]
        await send({**start, "headers": [*rest, *kept, *validators]})
        await send({"type": "http.response.body", "body": body})


def document_not_modified(schema: dict[str, Any]) -> None:
    """List the 304 on every GET the middleware may answer with it (the same `cacheable` test)."""
    for path, operations in schema.get("paths", {}).items():
        get = operations.get("get")
        if get is None or not cacheable(path):
            continue
        get.setdefault("responses", {})["304"] = {
            "description": "Not Modified: `If-None-Match` names the current `ETag`; no body.",
            "headers": {
                "ETag": {"description": "The answer's strong entity tag.", "schema": {"type": "string"}},
                "Cache-Control": {"description": "As on the 200.", "schema": {"type": "string"}},
            },
        }
