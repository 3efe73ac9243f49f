"""Extract the page's texts into the gettext template and update every language's catalog (Babel):

    python -m tools.i18n            # playground/locales/messages.pot and <lang>/LC_MESSAGES/messages.po
    python -m tools.i18n --check    # exit 1 if a text lacks a translation in some catalog

Texts are the first argument of `_()` and `N_()` calls in `playground/` (see playground/i18n.py), the message
templates of the engine's errors that the page shows (engine/errors.py: the literal first argument of
`DataError(…)` and `ConfigError(…)`, the second of config's `_fail(path, …)`, in ENGINE_MESSAGES and in
`playground/`), the texts of the engine's records (diagnose, losses) and the presets' titles and captions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from playground import i18n

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "playground"
KEYWORDS = {"_": None, "N_": None, "DataError": None, "ConfigError": None}
ERROR_KEYWORDS = {"DataError": None, "ConfigError": None, "_fail": (2,)}
ENGINE_MESSAGES = ("config.py", "data.py", "points.py", "inputs.py", "race.py")  # engine modules whose errors
# reach the page (a link, an import, a CSV, a race): their templates are catalog texts (an f-string message is
# not: Babel warns of it); the command line's own errors (cli.py) stay English


def template() -> Catalog:
    """Every marked text of the page, with where it is, and the texts the page shows from the engine's records."""
    cat = Catalog(project="Backprop Playground", domain=i18n.DOMAIN)
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("i18n:",)
    ):
        cat.add(message, locations=[(f"playground/{filename}", lineno)], auto_comments=comments)
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(ROOT / "engine"),
        method_map=[(name, "python") for name in ENGINE_MESSAGES],
        keywords=ERROR_KEYWORDS,
        comment_tags=("i18n:",),
    ):
        cat.add(message, locations=[(f"engine/{filename}", lineno)], auto_comments=comments)
    for text in i18n.engine_texts():
        cat.add(text, locations=[("engine (records)", 0)])
    for text in i18n.preset_texts():
        cat.add(text, locations=[("playground/presets", 0)])
    return cat


def po_path(lang: str) -> Path:
    return i18n.LOCALES / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def updated(lang: str, tmpl: Catalog) -> Catalog:
    path = po_path(lang)
    if path.is_file():
        with path.open("rb") as f:
            cat = read_po(f, locale=lang)
    else:
        cat = Catalog(locale=lang, project="Backprop Playground", domain=i18n.DOMAIN)
    cat.update(tmpl, no_fuzzy_matching=True)
    return cat


def missing(lang: str, tmpl: Catalog) -> list[str]:
    """Texts of the template with no (or a fuzzy) translation in the language's catalog."""
    have = i18n.catalog.__wrapped__(lang)
    return [m.id for m in tmpl if m.id and m.id not in have]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only report texts without a translation")
    args = ap.parse_args(argv)
    tmpl = template()
    if args.check:
        bad = {lang: missing(lang, tmpl) for lang in i18n.LANGUAGES if lang != i18n.DEFAULT}
        for lang, ids in bad.items():
            for m in ids:
                print(f"{lang}: no translation for {m!r}")
        return 1 if any(bad.values()) else 0
    i18n.LOCALES.mkdir(parents=True, exist_ok=True)
    with (i18n.LOCALES / f"{i18n.DOMAIN}.pot").open("wb") as f:
        write_po(f, tmpl, omit_header=False, width=120)
    for lang in i18n.LANGUAGES:
        if lang == i18n.DEFAULT:
            continue
        cat = updated(lang, tmpl)
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        with po_path(lang).open("wb") as f:
            write_po(f, cat, width=120, ignore_obsolete=True)
        print(f"{lang}: {len(cat)} texts, {len(missing(lang, tmpl))} without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
