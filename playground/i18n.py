"""The page's languages: gettext catalogs (`playground/locales/<lang>/LC_MESSAGES/messages.po`) read with Babel.

Texts are marked in the code with `_("…")` (translated where they are shown) or `N_("…")` (marked only: a
table's labels, translated when drawn). `python -m tools.i18n` extracts them into `messages.pot` and updates
each language's `.po` file; a test checks that every marked text has a translation in every catalog.

The language is chosen per browser session (`?lang=zh`, the sidebar's switch, else the browser's language that
Streamlit reports) and set for the script run with `use()`; `_()` reads it from a context variable, so two
sessions in two threads each get their own.
"""

from __future__ import annotations

import contextvars
import functools
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "zh": "简体中文"}  # code → the language's own name (the switch shows these)
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """msgid → translation of a language (English: none needed, the ids are English)."""
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or not path.is_file():
        return {}
    with path.open("rb") as f:
        cat = read_po(f, locale=lang)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def use(lang: str) -> None:
    """The language of this thread's script run (and its callbacks)."""
    _language.set(lang if lang in LANGUAGES else DEFAULT)


def language() -> str:
    return _language.get()


def _(msgid: str) -> str:
    """The text in the current language (the English id where a catalog lacks it)."""
    return catalog(_language.get()).get(msgid, msgid) if msgid else msgid


def N_(msgid: str) -> str:
    return msgid


def error_reason(err: BaseException) -> str:
    """An engine error's reason in the page's language: its template (engine/errors.py) from the catalog, filled
    in with its parameters; an error among them (the cause a message wraps) is worded the same way. An error
    without a template (raised elsewhere with a finished message) reads as it is."""
    template, params = getattr(err, "template", None), getattr(err, "params", None)
    if not isinstance(template, str) or not isinstance(params, dict):
        return " ".join(str(getattr(err, "reason", err)).split())
    filled = {k: error_text(v) if isinstance(v, BaseException) else v for k, v in params.items()}
    try:
        text = _(template).format(**filled) if filled else _(template)
    except (KeyError, IndexError, ValueError):  # a translation whose fields do not fit: the English one
        text = template.format(**filled) if filled else template
    return " ".join(text.split())


def error_text(err: BaseException) -> str:
    """An engine error's whole message in the page's language: the config path (a key of the config document,
    which stays as it is) and the translated reason. `str(err)` is the English one (the command line's)."""
    path = getattr(err, "path", None)
    reason = error_reason(err)
    return _("{path}: {reason}").format(path=path, reason=reason) if path else reason


POINTS_CSV = N_("points.csv")  # the download's file name (a word); the JSON export's is the project's name

# Streamlit words some of its widgets itself, in English: the file uploader's button, its size-and-types line and
# its drag overlay, a long toast's "view more" / "view less" (Streamlit 1.67 has no parameter or setting for
# them: streamlit/streamlit#13500, open). On a page in another language `streamlit_css` hides those words
# (visibility: hidden, font-size 0: they take no room and are not in the page's innerText) and shows the
# catalog's in their place (::after).
UPLOAD = N_("Upload")
PER_FILE = N_("{size} per file • {types}")
DROP_HERE = N_("Drag and drop a file here")
VIEW_MORE = N_("view more / less")  # one text for both states: CSS cannot tell them apart
_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_SWAP = "font-size: 0; visibility: hidden;"
_SHOW = "font-size: 0.875rem; visibility: visible; white-space: normal; content: {text};"  # 14 px, as Streamlit's


def streamlit_css(uploaders: dict[str, str], max_mb: int) -> str:
    """A <style> block that words Streamlit's own texts (file uploaders, toasts) in the page's language ("" in
    English). `uploaders`: each uploader's widget key → its types as Streamlit lists them ("CSV, TXT");
    `max_mb`: server.maxUploadSize, as the uploaders say it."""
    if language() == DEFAULT:
        return ""
    import json

    def show(text: str) -> str:
        return _SHOW.format(text=json.dumps(text, ensure_ascii=False))

    rules = [
        f"{_DROPZONE} button [data-testid='stMarkdownContainer'] p {{ {_SWAP} }}",
        f"{_DROPZONE} button [data-testid='stMarkdownContainer'] p::after {{ {show(_(UPLOAD))} }}",
        f"{_DROPZONE} > div:not([data-testid]) > span {{ {_SWAP} }}",  # the overlay while a file is dragged over
        f"{_DROPZONE} > div:not([data-testid]) > span::after {{ {show(_(DROP_HERE))} }}",
        f"[data-testid='stToastViewButton'] {{ {_SWAP} }}",
        f"[data-testid='stToastViewButton']::after {{ {show(_(VIEW_MORE))} }}",
    ]
    for key, types in uploaders.items():
        line = _(PER_FILE).format(size=f"{max_mb}MB", types=types)
        where = f".st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] span"
        rules += [f"{where} {{ {_SWAP} }}", f"{where}::after {{ {show(line)} }}"]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def loss_texts() -> list[str]:
    """The Loss selectbox's tooltip: the automatic choice, then each loss record's own line."""
    from engine import losses

    return [losses.AUTO, *(r.tooltip for r in losses.RECORDS.values())]


def engine_texts() -> list[str]:
    """Texts the page shows straight from the engine's records (translated like the page's own)."""
    from engine import diagnose

    return [*loss_texts(), *diagnose.SAYS.values(), *diagnose.WHY.values()]


def preset_texts() -> list[str]:
    """The presets' titles and captions (playground/presets/*.json), translated like the page's texts."""
    import json

    from playground.resources import PRESETS_DIR

    out = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out += [doc[k] for k in ("title", "caption") if doc.get(k)]
    return out


def choose(asked: str | None, browser: str | None) -> tuple[str, str | None]:
    """The language for a new session: the link's `lang` if it is one we have, else the browser's, else English.
    Returns it and a notice for a link that asked for one we do not have."""
    wanted = (asked or "").strip().lower()
    if wanted in LANGUAGES:
        return wanted, None
    note = f"lang: no language {wanted[:20]!r} (known: {', '.join(LANGUAGES)})" if wanted else None
    primary = (browser or "").split(",")[0].split(";")[0].strip().lower().replace("_", "-").split("-")[0]
    return (primary if primary in LANGUAGES else DEFAULT), note
