"""The response cache: recommendation answers kept by the canonical request, the format and the catalogue.

An answer is a pure function of the validated request, the output format and the catalogue (the engine
has no clock and no I/O), so a repeated request can be answered with the bytes computed the first time.
The key is the validated model dumped canonically (`model_dump_json(exclude_unset=True)`: fields in model
order, values normalised by the validators, and only the fields the client set, since which fields were
set changes the answer: relaxations and the inferred `multicast`), plus the `multicast` bool the client
may have sent (it adds an assumption to the answer), plus the format, the negotiated language (every human
text is translated) and the catalogue version. The headers that vary per request (X-Request-ID,
Content-Language, Vary) are not cached: the route adds them to every answer.

LRU, bounded in entries by `NETADVISOR_RESPONSE_CACHE_SIZE` (an answer is 2-25 KB); each worker has its
own. Lookups (hit or miss) and the entry count are in `/metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.i18n import Language
from service.lru import LruCache
from service.models import RecommendationRequest
from service.observability.metrics import record_cache_entries, record_cache_lookup

CacheKey = tuple[str, str, str, bool | None, str]


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    body: bytes
    media_type: str
    top: str | None  # the top driver, counted in the recommendations metric on every answer


def cache_key(
    request: RecommendationRequest, output: str, language: Language, catalogue_version: str
) -> CacheKey:
    canonical = request.model_dump_json(exclude_unset=True)
    return (catalogue_version, output, language, request.requirements.multicast_bool, canonical)


class ResponseCache:
    def __init__(self, maxsize: int) -> None:
        self._answers: LruCache[CacheKey, CachedAnswer] = LruCache(maxsize)

    @property
    def maxsize(self) -> int:
        return self._answers.maxsize

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: CacheKey) -> CachedAnswer | None:
        if self._answers.maxsize == 0:
            return None
        found = self._answers.get(key)
        record_cache_lookup(found is not None)
        return found

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        if self._answers.maxsize == 0:
            return
        self._answers.put(key, answer)
        record_cache_entries(len(self._answers))
