"""Load the playground over Streamlit's own websocket protocol and watch the server process.

    python -m tools.load --networks 200          # fresh sessions one after another, a different network each
    python -m tools.load --clients 10 --play 5   # ten sessions playing at once: ForwardMsgs/s and bytes per message

The tool starts `streamlit run playground/serve.py` on a free loopback port (127.0.0.1 only) and speaks the
protocol of Streamlit's frontend directly: a websocket on `/_stcore/stream` with the subprotocol `streamlit`,
`BackMsg.rerun_script` (query string + widget states) up, `ForwardMsg`s down. A button click is a rerun whose
widget states hold that button's id with `trigger_value`; the ids come from the button elements of the deltas.
No Origin header is sent, so the server accepts the connection without XSRF cookie (it only skips reading auth
cookies). Bytes are websocket payload bytes (after permessage-deflate decompression).

Every loop is bounded in count and time; the server is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "playground" / "serve.py"  # the page as `backprop-playground` runs it
HOST = "127.0.0.1"  # never any other address
RUN_TIMEOUT_S = 180.0  # one script run (a first run on a cold 2-core machine compiles for a while)
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
EPOCH_RE = re.compile(r"###\s*Epoch\s+([\d,]+)")
COMPILE_RE = re.compile(r"Compiling (\S+)")  # jax_log_compiles: "Compiling <name> with global shapes and types …"
DEFAULT_QUERY = "gen=moons&hidden=4,4&act=elu&opt=adam"


# ---- the server ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Sample:
    maps: int
    rss_mb: float
    hwm_mb: float
    threads: int


SNAPSHOT_PARTS = ("engine", "playground")  # the settings are playground/.streamlit/config.toml


def snapshot(dst: Path) -> Path:
    """A copy of what the app runs (engine, playground): Streamlit reads the script from disk
    on every run, so an edit in progress in the work tree (another engineer's) would otherwise land mid-measurement.
    Returns the copy's root."""
    for part in SNAPSHOT_PARTS:
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, dst / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dst


class Server:
    """`streamlit run playground/serve.py` as a subprocess on 127.0.0.1, its output in a log file."""

    def __init__(self, ttl_s: int, env: dict[str, str], log_path: Path, root: Path = ROOT) -> None:
        self.root = root
        self.port = free_port()
        self.ttl_s = ttl_s
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}/_stcore/stream"

    def start(self, timeout_s: float = 120.0) -> None:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.root / APP.relative_to(ROOT)),
            "--server.address",
            HOST,
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",  # the script as it was at start: edits in the tree do not rerun or reload it
            "--server.disconnectedSessionTTL",
            str(self.ttl_s),
        ]
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log_path}")
            with (
                contextlib.suppress(OSError),
                opener.open(f"http://{HOST}:{self.port}/_stcore/health", timeout=2) as r,
            ):
                if r.status == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"no /_stcore/health within {timeout_s:.0f} s; see {self.log_path}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sample(self) -> Sample:
        assert self.proc is not None
        pid = self.proc.pid
        with open(f"/proc/{pid}/maps", "rb") as f:
            maps = sum(1 for _ in f)
        status = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            status[k] = v.strip()

        def mb(key: str) -> float:
            return int(status.get(key, "0 kB").split()[0]) / 1024

        return Sample(maps, mb("VmRSS"), mb("VmHWM"), int(status.get("Threads", 0)))

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout_s: float = 90.0) -> None:
        """SIGTERM (Streamlit shuts down; the warm-up thread finishes its step at exit), then SIGKILL."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


# ---- one browser tab, protocol only ---------------------------------------------------------------------------
class Client:
    """One session: what Streamlit's frontend sends and the ForwardMsgs it gets, counted."""

    def __init__(self, url: str, query: str) -> None:
        self.url = url
        self.query = query
        self.ws: ClientConnection | None = None
        self.page_hash = ""
        self.buttons: dict[str, str] = {}  # label -> widget id, from the latest deltas
        self.numbers: dict[str, float] = {}  # number input label -> the value it shows
        self.epoch: int | None = None
        self.msgs = 0
        self.bytes = 0
        self.epoch_updates = 0
        self.exceptions: list[str] = []
        self.warnings: list[str] = []
        self.events: list[str] = []

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            subprotocols=[Subprotocol("streamlit")],
            proxy=None,
            max_size=None,
            open_timeout=30,
            close_timeout=5,
        )

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    async def rerun(self, widgets: list[WidgetState] | None = None) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.widget_states.widgets.extend(widgets or [])
        assert self.ws is not None
        await self.ws.send(msg.SerializeToString())

    def button(self, match: str) -> str:
        """The id of the button whose label is `match` or ends with it (the Play button is "▶ Play")."""
        for label, wid in self.buttons.items():
            if label == match or label.endswith(match):
                return wid
        raise LookupError(f"no button {match!r} on the page (saw {sorted(self.buttons)[:12]})")

    async def click(self, match: str) -> None:
        await self.rerun([WidgetState(id=self.button(match), trigger_value=True)])

    def _take(self, raw: bytes | str) -> int | None:
        """Count one ForwardMsg and read what the tool needs from it; the script-finished status, if any."""
        data = raw if isinstance(raw, bytes) else raw.encode()
        self.msgs += 1
        self.bytes += len(data)
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = fm.new_session.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = fm.page_info_changed.query_string  # the app rewrites the URL; the browser follows
        elif kind == "session_event":
            self.events.append(str(fm.session_event.WhichOneof("type")))
        elif kind == "script_finished":
            return fm.script_finished
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            ek = el.WhichOneof("type")
            if ek == "button":
                self.buttons[el.button.label] = el.button.id
            elif ek == "number_input":
                ni = el.number_input
                self.numbers[ni.label] = ni.value if ni.set_value else ni.default
            elif ek == "markdown":
                m = EPOCH_RE.match(el.markdown.body)
                if m:
                    self.epoch = int(m.group(1).replace(",", ""))
                    self.epoch_updates += 1
            elif ek == "exception":
                self.exceptions.append(f"{el.exception.type}: {el.exception.message[:200]}")
            elif ek == "alert" and el.alert.format in (el.alert.ERROR, el.alert.WARNING):
                self.warnings.append(el.alert.body[:200])
        return None

    async def until_finished(self, timeout_s: float = RUN_TIMEOUT_S) -> int:
        """Read until a script run ends other than by being interrupted for a rerun; its status."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no end of the script run within {timeout_s:.0f} s")
            status = self._take(await asyncio.wait_for(self.ws.recv(), left))
            if status is not None and status != FINISHED_EARLY:
                return status

    async def pump(self, seconds: float) -> None:
        """Read whatever comes for this long (Play streams frames)."""
        assert self.ws is not None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                break
            self._take(raw)


async def load_page(c: Client) -> None:
    await c.open()
    await c.rerun()
    status = await c.until_finished()
    if status != FINISHED_OK:
        raise RuntimeError(f"first run ended with status {status}")


async def step10(c: Client, before: int) -> None:
    await c.click("Step 10")
    status = await c.until_finished()
    if status != FINISHED_OK:
        raise RuntimeError(f"Step 10 run ended with status {status}")
    if c.epoch != before + 10:
        raise RuntimeError(f"after Step 10 the page shows epoch {c.epoch}, not {before + 10}")


# ---- mode 1: many networks, one after another -------------------------------------------------------------------
def network_list(n: int) -> list[tuple[int, int]]:
    """n distinct (A, B) hidden widths: A in 1..20 × B in 1..10 first (200), then the rest of 1..32 × 1..32."""
    first = [(a, b) for a in range(1, 21) for b in range(1, 11)]
    rest = [(a, b) for a in range(1, 33) for b in range(1, 33) if (a, b) not in set(first)]
    return (first + rest)[:n]


@dataclasses.dataclass
class NetResult:
    hidden: tuple[int, int]
    ok: bool
    error: str
    seconds: float
    msgs: int
    bytes: int
    warnings: list[str]


def with_hidden(query: str, hidden: tuple[object, ...]) -> str:
    """The query string with `hidden=` replaced by these widths."""
    kept = [kv for kv in query.split("&") if kv and not kv.startswith("hidden=")]
    return "&".join([*kept, "hidden=" + ",".join(map(str, hidden))])


async def one_network(url: str, hidden: tuple[int, int], base_query: str) -> NetResult:
    c = Client(url, with_hidden(base_query, hidden))
    t0 = time.monotonic()
    error = ""
    try:
        await load_page(c)
        shown = (c.numbers.get("Hidden layers"), c.numbers.get("h1"), c.numbers.get("h2"))
        if shown != (2, *hidden):
            raise RuntimeError(f"the sidebar shows (layers, h1, h2) = {shown}, not (2, {hidden[0]}, {hidden[1]})")
        await step10(c, c.epoch or 0)
        if c.exceptions:
            error = c.exceptions[0]
    except Exception as e:  # counted and reported; the run goes on with the next network
        error = f"{type(e).__name__}: {e}"[:300]
        if c.exceptions:
            error = f"page exception {c.exceptions[0]} ({error})"[:300]
    finally:
        await c.close()
    return NetResult(hidden, not error, error, time.monotonic() - t0, c.msgs, c.bytes, c.warnings)


def compiles_in(log: str) -> collections.Counter:
    return collections.Counter(COMPILE_RE.findall(log))


async def networks_mode(args: argparse.Namespace, server: Server) -> int:
    nets = network_list(args.networks)
    deadline = time.monotonic() + args.max_minutes * 60
    header = f"{'networks':>8} {'elapsed s':>9} {'maps':>6} {'RSS MB':>8} {'peak MB':>8} {'threads':>7} {'errors':>6}"
    if args.log_compiles:
        header += f" {'compiles':>8}"
    rows: list[str] = []
    t_start = time.monotonic()

    def row(done: int, errors: int) -> None:
        s = server.sample()
        r = (
            f"{done:>8} {time.monotonic() - t_start:>9.0f} {s.maps:>6} {s.rss_mb:>8.1f} {s.hwm_mb:>8.1f}"
            f" {s.threads:>7} {errors:>6}"
        )
        if args.log_compiles:
            r += f" {sum(compiles_in(server.log_text()).values()):>8}"
        rows.append(r)
        print(r, flush=True)

    print(header, flush=True)
    row(0, 0)
    results: list[NetResult] = []
    errors = 0
    for i in range(0, len(nets), args.concurrency):
        if time.monotonic() > deadline:
            print(f"stopped: --max-minutes {args.max_minutes} reached after {len(results)} networks", flush=True)
            break
        if not server.alive():
            print(f"stopped: the server died (exit {server.proc.returncode if server.proc else '?'})", flush=True)
            errors += 1
            break
        batch = nets[i : i + args.concurrency]
        got = await asyncio.gather(*(one_network(server.url, h, args.query) for h in batch))
        for r in got:
            if not r.ok:
                errors += 1
                if errors <= 5:
                    print(f"  error on hidden={r.hidden}: {r.error}", flush=True)
            if r.warnings and not args.quiet:
                print(f"  notice on hidden={r.hidden}: {r.warnings[0]}", flush=True)
        before = len(results)
        results += got
        if len(results) // 10 > before // 10 or len(results) == len(nets):
            row(len(results), errors)
    if server.alive() and args.settle > 0:
        time.sleep(args.settle)  # the warm-up finishes, disconnected sessions pass their TTL
        row(len(results), errors)
        rows[-1] += "   (after settling)"

    print()
    print(
        f"Networks mode: {len(results)} networks, concurrency {args.concurrency}, "
        f"query {with_hidden(args.query, ('A', 'B'))}"
    )
    print(f"server.disconnectedSessionTTL = {server.ttl_s} s, BACKPROP_PREWARM = {server.env.get('BACKPROP_PREWARM')}")
    print(header)
    print("\n".join(rows))
    if results:
        secs = sorted(r.seconds for r in results)
        print(
            f"per network: median {secs[len(secs) // 2]:.2f} s, max {secs[-1]:.2f} s; "
            f"{sum(r.msgs for r in results) / len(results):.0f} ForwardMsgs, "
            f"{sum(r.bytes for r in results) / len(results) / 1024:.0f} KiB received"
        )
    if args.log_compiles:
        top = compiles_in(server.log_text()).most_common(args.top)
        print(f"most compiled programs (jax_log_compiles, {sum(compiles_in(server.log_text()).values())} in all):")
        for name, k in top:
            print(f"  {k:>6}  {name}")
    return 1 if errors else 0


# ---- mode 2: clients playing at once ----------------------------------------------------------------------------
@dataclasses.dataclass
class PlayResult:
    client: int
    ok: bool
    error: str
    msgs: int
    bytes: int
    seconds: float
    frames: int
    epoch: int | None


async def one_player(i: int, url: str, query: str, play_s: float, ready: list[int], start: asyncio.Event) -> PlayResult:
    c = Client(url, query)
    error, msgs, nbytes, secs, frames = "", 0, 0, 0.0, 0
    try:
        await load_page(c)
        await step10(c, c.epoch or 0)  # the training program compiles here, not in the measured window
        ready.append(i)
        await start.wait()
        m0, b0, f0, t0 = c.msgs, c.bytes, c.epoch_updates, time.monotonic()
        await c.click("Play")
        await c.pump(play_s)
        msgs, nbytes, frames, secs = c.msgs - m0, c.bytes - b0, c.epoch_updates - f0, time.monotonic() - t0
        await c.click("Pause")
        status = await c.until_finished()
        if status != FINISHED_OK:
            error = f"Pause run ended with status {status}"
        elif c.exceptions:
            error = c.exceptions[0]
    except Exception as e:
        error = f"{type(e).__name__}: {e}"[:300]
        if c.exceptions:
            error = f"page exception {c.exceptions[0]} ({error})"[:300]
    finally:
        await c.close()
    return PlayResult(i, not error, error, msgs, nbytes, secs, frames, c.epoch)


async def play_mode(args: argparse.Namespace, server: Server) -> int:
    before = server.sample()
    ready: list[int] = []
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(one_player(i, server.url, args.query, args.play, ready, start)) for i in range(args.clients)
    ]
    # every client loads the page and steps first; then all press Play together (a bounded wait)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2 * RUN_TIMEOUT_S and len(ready) + sum(t.done() for t in tasks) < len(tasks):
        await asyncio.sleep(0.2)
    print(f"{len(ready)} clients ready in {time.monotonic() - t0:.1f} s; Play", flush=True)
    start.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), args.play + 2 * RUN_TIMEOUT_S)
    after = server.sample()
    print(f"Play mode: {args.clients} clients, Play for {args.play:g} s each, query {args.query}")
    print(f"{'client':>6} {'msgs':>6} {'msgs/s':>7} {'B/msg':>8} {'KiB/s':>8} {'frames/s':>8} {'epoch':>8}  error")
    for r in results:
        rate = r.msgs / r.seconds if r.seconds else 0.0
        print(
            f"{r.client:>6} {r.msgs:>6} {rate:>7.1f} {r.bytes / max(r.msgs, 1):>8.0f} "
            f"{r.bytes / 1024 / max(r.seconds, 1e-9):>8.1f} {r.frames / max(r.seconds, 1e-9):>8.1f} "
            f"{r.epoch if r.epoch is not None else '-':>8}  {r.error}"
        )
    ok = [r for r in results if r.ok]
    if ok:
        print(
            f"all: {sum(r.msgs for r in ok) / sum(r.seconds for r in ok):.1f} msgs/s per client, "
            f"{sum(r.bytes for r in ok) / max(sum(r.msgs for r in ok), 1):.0f} B/msg, "
            f"{sum(r.frames for r in ok) / sum(r.seconds for r in ok):.1f} frames/s per client"
        )
    print(f"server: maps {before.maps} → {after.maps}, RSS {before.rss_mb:.0f} → {after.rss_mb:.0f} MB")
    return 0 if len(ok) == len(results) else 1


# ---- main -------------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--networks", type=int, default=0, help="open this many fresh sessions, each its own network")
    p.add_argument("--concurrency", type=int, default=1, help="networks mode: sessions at a time (default 1)")
    p.add_argument("--clients", type=int, default=0, help="play mode: this many clients at once")
    p.add_argument("--play", type=float, default=3.0, help="play mode: seconds of Play per client (default 3)")
    p.add_argument("--query", default=DEFAULT_QUERY, help=f"page query string (default {DEFAULT_QUERY})")
    p.add_argument("--ttl", type=int, default=5, help="server.disconnectedSessionTTL in s (Streamlit's default 120)")
    p.add_argument("--prewarm", default=os.environ.get("BACKPROP_PREWARM", "1"), help="BACKPROP_PREWARM (1)")
    p.add_argument(
        "--jax-cache",
        choices=("fresh", "default"),
        default="fresh",
        help="fresh: an empty persistent JAX cache in a temp dir (default); default: the user's cache",
    )
    p.add_argument("--log-compiles", action="store_true", help="JAX_LOG_COMPILES=1 and count compiles per row")
    p.add_argument("--top", type=int, default=25, help="with --log-compiles: the most compiled names shown")
    p.add_argument("--settle", type=float, default=10.0, help="seconds to wait before the last sample (10)")
    p.add_argument("--max-minutes", type=float, default=90.0, help="stop after this long (90)")
    p.add_argument("--log", type=Path, default=None, help="server log file (default: a temp file, kept)")
    p.add_argument("--quiet", action="store_true", help="do not print the page's notices")
    p.add_argument(
        "--snapshot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run a copy of engine/, playground/, assets/ taken at start (default), immune to edits in the tree",
    )
    args = p.parse_args(argv)
    if bool(args.networks) == bool(args.clients):
        p.error("give one of --networks N or --clients N")
    args.networks = max(0, min(args.networks, 32 * 32))
    args.clients = max(0, min(args.clients, 64))
    args.concurrency = max(1, min(args.concurrency, 16))
    args.play = max(0.5, min(args.play, 120.0))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cache_dir = tempfile.mkdtemp(prefix="load-jax-cache-") if args.jax_cache == "fresh" else None
    log_path = args.log or Path(tempfile.mkstemp(prefix="load-server-", suffix=".log")[1])
    env = {"BACKPROP_PREWARM": str(args.prewarm), "PYTHONUNBUFFERED": "1"}
    if cache_dir:
        env["BACKPROP_JAX_CACHE"] = cache_dir
    if args.log_compiles:
        env["JAX_LOG_COMPILES"] = "1"
    snap = Path(tempfile.mkdtemp(prefix="load-app-")) if args.snapshot else None
    server = Server(args.ttl, env, log_path, snapshot(snap) if snap else ROOT)
    try:
        t0 = time.monotonic()
        server.start()
        print(
            f"server pid {server.proc.pid if server.proc else '?'} on {HOST}:{server.port} up in "
            f"{time.monotonic() - t0:.1f} s; app {server.root}; log {log_path}; JAX cache {cache_dir or 'default'}",
            flush=True,
        )
        mode = networks_mode if args.networks else play_mode
        return asyncio.run(mode(args, server))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    finally:
        server.stop()
        tracebacks = server.log_text().count("Traceback")
        print(f"server stopped; {tracebacks} tracebacks in its log {log_path}", flush=True)
        for d in (cache_dir, snap):
            if d:
                shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
