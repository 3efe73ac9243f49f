"""The app as a package: a wheel installed in a fresh virtual environment starts with `backprop-playground` from
any directory and shows the board and every preset; and the board's data schema, declared in board.py, is the one
board.js reads and the one frame() builds."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from engine.config import parse_config
from engine.session import Session
from playground import board, resources
from tools.browser import launch, require_chromium, running_app, wait_board

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGED = (Path("locales/messages.pot"), Path("locales/GLOSSARY.md"))  # for translators; the page reads the .po


# ---- the frame schema: one declaration (board.py's TypedDicts), mirrored by board.js's typedefs ------------------


def _keys(td: type) -> dict[str, bool]:
    """A TypedDict's keys → required?"""
    return {k: k in td.__required_keys__ for k in typing.get_type_hints(td)}


def _js_typedefs() -> dict[str, dict[str, bool]]:
    """board.js's JSDoc `@typedef {Object} Name` blocks → their @property names → required (not `[name]`)?"""
    out: dict[str, dict[str, bool]] = {}
    for block in re.findall(r"/\*\*(.*?)\*/", resources.BOARD_JS.read_text(encoding="utf-8"), re.S):
        m = re.search(r"@typedef \{Object\} (\w+)", block)
        if m:
            props = re.findall(r"@property \{[^}]*\} (\[?)(\w+)\]?", block)
            out[m.group(1)] = {name: not opt for opt, name in props}
    return out


SCHEMA = (
    board.Points,
    board.Curve,
    board.LossSeries,
    board.GradSeries,
    board.Frame,
    board.BoardContext,
    board.Traces,
    board.BoardData,
    board.Stroke,
    board.StrokeBatch,
)


@pytest.mark.parametrize("td", SCHEMA, ids=lambda td: td.__name__)
def test_board_js_declares_the_same_schema(td):
    js = _js_typedefs()
    assert td.__name__ in js, f"board.js has no @typedef {td.__name__}"
    assert js[td.__name__] == _keys(td)


def _matches(value: object, td: type, where: str) -> None:
    keys = _keys(td)
    assert set(value) <= set(keys), f"{where}: keys {set(value) - set(keys)} not in {td.__name__}"
    assert {k for k, req in keys.items() if req} <= set(value), f"{where}: a required key of {td.__name__} missing"
    hints = typing.get_type_hints(td)
    for k, v in value.items():
        sub = typing.get_args(hints[k]) or (hints[k],)
        nested = [t for t in sub if typing.is_typeddict(t)]
        if nested:
            _matches(v, nested[0], f"{where}.{k}")


@pytest.mark.parametrize("preset", ["xor_2-3-1", "fit_x_squared"], ids=["2d", "1d"])  # the field; a curve
def test_frame_and_context_are_what_the_schema_says(preset):
    s = Session(parse_config(json.loads((resources.PRESETS_DIR / f"{preset}.json").read_text())))
    s.train(2)
    base = board.base_figures(s)
    ctx = board.board_context(s, "add", 0, 0.0, True, False, "hint")
    data = board.board_data("main", ctx, base, board.frame(s, 1, base["figs_key"], ["a"]))
    _matches(data, board.BoardData, "data")
    assert ctx["max_unacked"] == board.MAX_UNACKED
    assert json.loads(json.dumps(data)) == data  # plain JSON all the way down


# ---- the wheel, installed elsewhere ---------------------------------------------------------------------------


def _can_build_offline() -> bool:
    """setuptools builds wheels itself from 70.1 on, before that with the `wheel` package."""
    import setuptools

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _build_wheel(out: Path) -> Path:
    """The wheel of the working tree: the files a source distribution holds, copied (so no stale build/ in the
    checkout can leak into it), then `pip wheel` (without build isolation where this Python can)."""
    src = out / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("engine", "playground"):
        shutil.copytree(ROOT / part, src / part, ignore=ignore)
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / f, src / f)
    isolation = [] if not _can_build_offline() else ["--no-build-isolation"]
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, str(src), "-w", str(out / "dist")]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=out)
    (wheel,) = (out / "dist").glob("backprop_playground-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv/bin, a working directory outside the repository) with the wheel installed in the venv."""
    tmp = tmp_path_factory.mktemp("package")
    wheel = _build_wheel(tmp)
    venv = tmp / "venv"
    # the system's packages (streamlit, jax, …) stay visible; the project itself comes from the wheel only
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    work = tmp / "elsewhere"
    work.mkdir()
    return venv / "bin", work


def _env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | {"PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(bin_dir.parent)}


@pytest.mark.slow
def test_the_wheel_holds_its_files_and_imports_from_the_venv(installed):
    bin_dir, work = installed
    probe = (
        "import json, engine, playground; from playground import resources as r; "
        "print(json.dumps([engine.__file__, playground.__file__, r.BOARD_JS.is_file(), r.BOARD_CSS.is_file(), "
        "r.CONFIG.is_file(), sorted(p.name for p in r.PRESETS_DIR.glob('*.json'))]))"
    )
    out = subprocess.run(
        [bin_dir / "python", "-c", probe], cwd=work, env=_env(bin_dir), check=True, capture_output=True, text=True
    )
    eng, pg, js, css, cfg, presets = json.loads(out.stdout)
    site = str(bin_dir.parent)
    assert eng.startswith(site) and pg.startswith(site), (eng, pg)  # not the editable checkout
    assert js and css and cfg
    assert presets == sorted(p.name for p in (ROOT / "playground" / "presets").glob("*.json"))
    assert (bin_dir / "backprop-playground").exists()
    # every file of the checkout's playground/ is in the package (but the translators' template)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "playground"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    want = {Path(f).relative_to("playground") for f in listed if (ROOT / f).is_file()} - set(NOT_PACKAGED)
    have = {f.relative_to(Path(pg).parent) for f in Path(pg).parent.rglob("*") if "__pycache__" not in f.parts}
    assert want <= have, f"not in the wheel (pyproject.toml's package data): {sorted(map(str, want - have))}"


SETTINGS_PROBE = """
import json, tomllib
from streamlit import config
from playground import resources as r
config._main_script_path = str(r.SERVE)  # what `streamlit run serve.py` sets before it reads the config files
config.get_config_options(force_reparse=True)
toml = tomllib.loads(r.CONFIG.read_text())
print(json.dumps({f"{s}.{k}": [v, config.get_option(f"{s}.{k}")] for s, opts in toml.items() for k, v in opts.items()}))
"""


@pytest.mark.slow
def test_the_packaged_settings_apply_from_anywhere(installed):
    """playground/.streamlit/config.toml (the one copy of the settings) is what Streamlit reads for the launcher,
    whatever the working directory."""
    bin_dir, work = installed
    out = subprocess.run(
        [bin_dir / "python", "-c", SETTINGS_PROBE], cwd=work, env=_env(bin_dir), check=True, capture_output=True
    )
    settings = json.loads(out.stdout)
    assert {"server.maxUploadSize", "server.address", "theme.base", "server.headless"} <= set(settings)
    assert all(want == got for want, got in settings.values()), settings


def _preset_titles() -> list[str]:
    return sorted(json.loads(p.read_text())["title"] for p in resources.PRESETS_DIR.glob("*.json"))


@pytest.mark.slow
@pytest.mark.browser
def test_backprop_playground_starts_the_installed_app_from_anywhere(installed):
    require_chromium(pytest, module=False)
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    bin_dir, work = installed
    package = Path(
        subprocess.run(
            [bin_dir / "python", "-c", "import playground; print(playground.__file__)"],
            cwd=work,
            env=_env(bin_dir),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    ).parent
    before = sorted(p.relative_to(package) for p in package.rglob("*") if "__pycache__" not in p.parts)
    cmd = [str(bin_dir / "backprop-playground")]
    with running_app(command=cmd, cwd=work, env=_env(bin_dir)) as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        wait_board(page, timeout=90_000)
        assert page.evaluate("() => typeof window.Plotly.newPlot") == "function"
        assert page.evaluate("() => document.querySelector('.bp-board').data[1].x.length") > 0  # points drawn
        page.locator(".st-key-w_preset input").click()
        options = page.get_by_role("option").all_inner_texts()
        assert sorted(o.strip() for o in options if o.strip() != "—") == _preset_titles()
        assert not errors, errors
        browser.close()
    after = sorted(p.relative_to(package) for p in package.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing written into the installed package
