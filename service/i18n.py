"""Languages: which one a request asks for, and the translations of every human text.

English is the source language: the texts in the code and in `rules/` are the gettext msgids, and an
English answer is produced exactly as before (NullTranslations returns each msgid unchanged). Chinese
(zh-CN) comes from `service/locale/zh_CN/LC_MESSAGES/netadvisor.po`, the translators' standard format,
compiled in memory with Babel when first asked for; `python -m service.docs` extracts the msgids (from the
code's `gettext`/`N_` calls and from the rule YAML) and keeps the .po in step; a test fails when any msgid
lacks its translation or a translation drops a `{placeholder}`.

The language is an explicit input of every rendering: HTTP negotiates it from `?lang=` then
`Accept-Language`, the CLI from `--lang`, chat from a `lang=` token or Chinese keywords. Anything that
caches an answer must key on it.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Language = Literal["en", "zh-CN"]
Gettext = Callable[[str], str]

DEFAULT_LANGUAGE: Language = "en"
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("en", "zh-CN")
DOMAIN = "netadvisor"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The gettext locale directory of each translated language (the source language, English, has none).
CATALOGUE_LOCALES: dict[Language, str] = {"zh-CN": "zh_CN"}
LANG_HELP = "Language of the human texts: en (default) or zh (Simplified Chinese; zh-CN, zh-Hans, zh-SG)."


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; it is translated later, where it is shown.

    (The gettext convention's name, which extractors look for.)"""
    return message


def language_of(tag: str) -> Language | None:
    """The supported language a BCP 47 / POSIX tag means, if any: zh, zh-CN, zh-Hans, zh-SG -> zh-CN.

    Babel fills in the script from the CLDR likely subtags (zh-SG is Hans, zh-TW Hant); a bare `zh` has
    no script and means Simplified, its likely script. Traditional Chinese (Hant: TW, HK, MO) has no
    translation here, so it is not treated as zh-CN.
    """
    text = tag.strip().replace("_", "-")
    if not text or text == "*":
        return None
    try:
        locale = Locale.parse(text, sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "en":
        return "en"
    if locale.language == "zh" and locale.script in (None, "Hans"):
        return "zh-CN"
    return None


def parse_accept_language(header: str) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q-values; q=0 means "not this one")."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(accept_language: str | None, explicit: str | None = None) -> Language | None:
    """The answer's language: an explicit choice (`?lang=`, `--lang`) wins over the header.

    Returns None only when the explicit choice names no supported language (the edge reports that as
    bad input); a header that names none falls back to English.
    """
    if explicit is not None:
        return language_of(explicit)
    for tag in parse_accept_language(accept_language or ""):
        language = language_of(tag)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def po_path(language: Language) -> Path:
    return LOCALE_DIR / CATALOGUE_LOCALES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(SUPPORTED_LANGUAGES))
def translations(language: Language) -> stdlib_gettext.NullTranslations:
    """The compiled translations of a language; English is the identity (the msgids are English)."""
    if language == DEFAULT_LANGUAGE:
        return stdlib_gettext.NullTranslations()
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=CATALOGUE_LOCALES[language], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out: an unchecked translation shows English
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext_for(language: Language) -> Gettext:
    """The `gettext` function of a language: English text in, the language's text out."""
    return translations(language).gettext


def english(message: str) -> str:
    """The source language's `gettext`: every text as written."""
    return message
