"""Extract every translatable text and keep the translations' .po files in step (`make docs`).

The msgids are the English texts themselves: the code's `gettext(...)`, `_(...)` and `N_(...)` calls
(Babel's Python extractor) and the human texts of the rule YAML (`rule_texts`, `driver_texts`; the same
lists the catalogue translates). Updating a .po keeps its translations, adds new msgids untranslated
(Babel may propose a similar one, marked fuzzy, which the app ignores until a translator clears the flag)
and drops the ones no longer used; `tests/test_i18n.py` fails while any is untranslated, fuzzy or stale.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from service import __version__
from service.catalogue import Catalogue, driver_texts, load_catalogue, rule_texts
from service.field_help import field_texts
from service.i18n import CATALOGUE_LOCALES, DOMAIN, SUPPORTED_LANGUAGES, po_path
from service.query.help import help_fields
from service.review.catalogue import load_review_catalogue, review_rule_texts

SERVICE_DIR = Path(__file__).resolve().parent.parent
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS: dict[str, None] = {"gettext": None, "_": None, "N_": None}


def template(catalogue: Catalogue | None = None) -> Catalog:
    """Every msgid, with where it comes from (file names, no line numbers: they would churn the .po)."""
    catalogue = catalogue or load_catalogue()
    catalog = Catalog(project="netadvisor", domain=DOMAIN, fuzzy=False)
    found = extract_from_dir(
        str(SERVICE_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    )
    for filename, _lineno, message, _comments, _context in found:
        if isinstance(message, str) and message:
            catalog.add(message, locations=[(f"service/{filename}", 0)])
    for text in [*help_fields(), *field_texts()]:
        catalog.add(text, locations=[("service/models.py", 0)])
    for rule in catalogue.rules:
        for text in rule_texts(rule.data):
            catalog.add(text, locations=[(f"rules/selection/{rule.id}.yaml", 0)])
    for info in catalogue.drivers.values():
        for text in driver_texts(info):
            catalog.add(text, locations=[(f"rules/drivers.yaml#{info.driver.value}", 0)])
    for review_rule in load_review_catalogue(catalogue.root).rules:
        for text in review_rule_texts(review_rule.data):
            catalog.add(text, locations=[(f"rules/review/{review_rule.id}.yaml", 0)])
    return catalog


def render_po(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=110, include_lineno=False, ignore_obsolete=True, sort_output=False)
    return buffer.getvalue()


def updated_po(language: str, current: bytes | None, source: Catalog) -> bytes:
    """The language's .po after merging in `source`: translations kept, new msgids added, old ones gone."""
    locale = CATALOGUE_LOCALES[language]  # type: ignore[index]
    po = read_po(io.BytesIO(current), locale=locale, domain=DOMAIN) if current else Catalog(locale=locale)
    po.update(source, update_header_comment=False)
    po.header_comment = (
        f"# {language} texts of netadvisor: msgids are the English texts. Update with `make docs`."
    )
    po.project, po.version = "netadvisor", __version__
    # Fixed dates: regenerating an unchanged catalogue must not change the file.
    po.creation_date = po.revision_date = FIXED_DATE
    po.last_translator = po.language_team = "netadvisor developers"
    po.fuzzy = False
    return render_po(po)


def main() -> int:
    source = template()
    for language in SUPPORTED_LANGUAGES:
        if language not in CATALOGUE_LOCALES:
            continue
        path = po_path(language)
        current = path.read_bytes() if path.is_file() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(updated_po(language, current, source))
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
