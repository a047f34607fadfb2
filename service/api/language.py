"""The answer's language over HTTP: `?lang=` wins over `Accept-Language`; the response says which it is.

Every localised response carries `Content-Language` (the language actually used: `en` when the header
asks only for languages netadvisor has no texts in) and `Vary: Accept-Language`, so a shared cache keeps
one copy per language. An unsupported `?lang=` is a 422: the user asked for it by name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Query, Request
from starlette.datastructures import MutableHeaders

from service.api.errors import ErrorEnvelope
from service.errors import InvalidRequest
from service.i18n import LANG_HELP, SUPPORTED_LANGUAGES, Language, negotiate

# The 422 a route documents once it takes `lang` (in the one error envelope).
BAD_LANG: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorEnvelope, "description": "`lang` names a language netadvisor has no texts in."}
}
# `?lang=` takes exactly these tags (the document's enum is what the server accepts: a generated client or a
# fuzzer sees the same set); `Accept-Language` stays free-form, as browsers send it.
LangTag = Literal["en", "zh", "zh-CN", "zh-Hans", "zh-SG"]
LangQuery = Annotated[LangTag | None, Query(description=LANG_HELP + " Wins over Accept-Language.")]
MAX_ACCEPT_LANGUAGE = 1024
AcceptLanguageHeader = Annotated[
    str | None,
    Header(
        max_length=MAX_ACCEPT_LANGUAGE,
        description="Preferred languages with q-values (`zh-CN,zh;q=0.9,en;q=0.8`); zh, zh-CN, zh-Hans and "
        "zh-SG give Simplified Chinese texts, anything else English.",
    ),
]


async def get_language(lang: LangQuery = None, accept_language: AcceptLanguageHeader = None) -> Language:
    language = negotiate(accept_language, lang)
    if language is None:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        message = f"lang: unsupported language {lang!r}; use en or zh (supported: {supported})"
        raise InvalidRequest(message, [{"field": "lang", "type": "unsupported_language", "message": message}])
    return language


async def get_catalogue_language(
    request: Request, lang: LangQuery = None, accept_language: AcceptLanguageHeader = None
) -> Language:
    """`lang` for the catalogue routes, whose only query parameter it is: any other (`?lnag=zh`) is a 422
    rather than a silently English answer."""
    unknown = sorted(set(request.query_params) - {"lang"})
    if unknown:
        message = f"{unknown[0]!r}: unknown query parameter; this route takes only `lang` (en or zh)"
        raise InvalidRequest(
            message, [{"field": name, "type": "unknown_parameter", "message": message} for name in unknown]
        )
    return await get_language(lang, accept_language)


def mark_language(headers: MutableHeaders, language: Language) -> None:
    """Say which language the body is in, and that it depends on Accept-Language."""
    headers["Content-Language"] = language
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = "Accept-Language"
    elif "accept-language" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Language"
