"""Load the playground over Streamlit's own websocket protocol and watch the server process.

    python -m tools.load --networks 200          # fresh sessions one after another, a different network each
    python -m tools.load --clients 10 --play 5   # ten sessions playing at once: frames/s, epochs/s, bytes per
                                                 # message, click → ack, server memory
    python -m tools.load --clients 30 --heavy    # 29 default sessions + 1 heavy one (8 × 32 on 2,000 points,
                                                 # batch 1, top speed)
    python -m tools.load --clients 6 --url http://127.0.0.1:8080   # through a proxy (deploy/nginx.conf)
    python -m tools.load --clients 10 --replicas 2   # two servers behind Debian's nginx, started here

The tool starts `streamlit run playground/serve.py` on a free loopback port (127.0.0.1 only) and speaks the
protocol of Streamlit's frontend directly: a websocket on `/_stcore/stream` with the subprotocol `streamlit`,
`BackMsg.rerun_script` (query string + widget states) up, `ForwardMsg`s down. A button click is a rerun whose
widget states hold that button's id with `trigger_value`; the ids come from the button elements of the deltas.
No Origin header is sent, so the server accepts the connection without XSRF cookie (it only skips reading auth
cookies). Bytes are websocket payload bytes (after permessage-deflate decompression).

A point drawn on the board is what board.js sends: the board component's trigger aggregator widget
(`$$STREAMLIT_INTERNAL_KEY_<board id>__events`) with `[{"event": "stroke", "value": {"batch": [...]}}]`, the new
stroke together with every one not acknowledged yet. While playing, each client draws a point every
`--click-every` s and erases it the next time (the data keeps its size, so no new padded bucket compiles);
click → acknowledgement is the time from a stroke's first sending until a ForwardMsg carries its id (the frames'
`acks`, streamed or in the board's own data), whatever the frame format around it. A stroke can be dropped when
the run that applies it is interrupted by the next rerun (a click on Pause right after it): the board's next
stroke brings it again; after Play the tool resends what is still unacknowledged every 2 s. The `resent` column
counts strokes that went more than once.

With `--url` the tool starts no server and connects to that address (a proxy in front of replicas, or a server
for a class) like a browser: it loads the page and `/_stcore/health` first and keeps their cookies (the proxy's
affinity cookie, Streamlit's XSRF cookie), sends them and an Origin header with the websocket; it can upload a
file to the session (`--upload-bytes`, the HTTP request that must reach the session's replica) and, at the end,
reconnect with the session's id (`--reconnect`, as the frontend does after a network blip): the session resumes,
at the same epoch, only on the replica that holds it. Server memory is not sampled then (not our process).

Every loop is bounded in count and time; the server is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

from streamlit.components.v2.bidi_component.constants import EVENT_DELIM
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import StringArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "playground" / "serve.py"  # the page as `backprop-playground` runs it
HOST = "127.0.0.1"  # never any other address
RUN_TIMEOUT_S = 180.0  # one script run (a first run on a cold 2-core machine compiles for a while)
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FINISHED_FRAGMENT = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EPOCH_RE = re.compile(r"###\s*Epoch\s+([\d,]+)")
COMPILE_RE = re.compile(r"Compiling (\S+)")  # jax_log_compiles: "Compiling <name> with global shapes and types …"
DEFAULT_QUERY = "gen=moons&hidden=4,4&act=elu&opt=adam"
HEAVY_QUERY = "hidden=32,32,32,32,32,32,32,32&n=2000&batch=1"  # with the default query's other settings
TOP_SPEED = 500  # epochs per frame: the speed slider's last step (playground/state.py SPEEDS)
SPEED_LABEL = "Speed"  # the speed slider's label starts so
BOARD_COMPONENT = "backprop_board"  # playground/board.py component(): its name is in the element's component_name
XSRF_COOKIE = "_streamlit_xsrf"
ACK_TIMEOUT_S = 10.0  # a stroke not acknowledged this long is an error
RESEND_S = 2.0  # after Play: unacknowledged strokes go again this often (as the board's next stroke takes them)
BOARD_RESEND_S = 0.4  # while playing, as board.js: strokes a later run's board data does not acknowledge go again
MAX_BOARD_RESEND_S = 6.4  # (this long after they went at the soonest); else after this long a silence, doubling
FRAME_RE = re.compile(rb'"seq": ?(\d+), ?"base": ?(\d+)')  # a board frame (playground/board.py Frame): full if equal
MAX_UNACKED = 200  # strokes one batch carries (playground/board.py MAX_UNACKED)
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy from the env


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
        self.launch()
        self.wait_ready(timeout_s)

    def launch(self) -> None:
        """Start the process; returns at once."""
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

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Until /_stcore/health answers 200 (start() without waiting: launch several, then wait for each)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log_path}")
            with (
                contextlib.suppress(OSError),
                OPENER.open(f"http://{HOST}:{self.port}/_stcore/health", timeout=2) as r,
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
def ws_url(url: str) -> str:
    """The websocket address for a page address (http://host:port[/base]) or a websocket address as given."""
    u = urllib.parse.urlsplit(url)
    if u.scheme in ("ws", "wss"):
        return url
    if u.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) or ws(s) address: {url!r}")
    base = u.path.rstrip("/")
    return urllib.parse.urlunsplit(("wss" if u.scheme == "https" else "ws", u.netloc, f"{base}/_stcore/stream", "", ""))


def trigger_id(component_id: str) -> str:
    """The id of a Components v2 element's trigger aggregator widget (what setTriggerValue sends)."""
    return f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{component_id}{EVENT_DELIM}events"


def csv_bytes(n: int) -> bytes:
    """About n bytes of a points CSV (what a student uploads)."""
    rows = [b"x1,x2,label"]
    size, i = len(rows[0]) + 1, 0
    while size < n:
        row = f"{(i % 97) / 48.5 - 1:.4f},{(i % 89) / 44.5 - 1:.4f},{i % 2}".encode()
        rows.append(row)
        size += len(row) + 1
        i += 1
    return b"\n".join(rows)[:n]


class Client:
    """One session: what Streamlit's frontend sends and the ForwardMsgs it gets, counted.

    `cookies` are sent with the websocket and every HTTP request (a browser's cookie jar for this address);
    `origin` is sent as the websocket's Origin header (a browser always sends one; None sends none)."""

    def __init__(self, url: str, query: str, cookies: dict[str, str] | None = None, origin: str | None = None) -> None:
        self.url = ws_url(url)
        self.query = query
        self.cookies = dict(cookies or {})
        self.origin = origin
        self.ws: ClientConnection | None = None
        self.session_id = ""  # the server's id of this session (NewSession.initialize)
        self.page_hash = ""
        self.buttons: dict[str, str] = {}  # label -> widget id, from the latest deltas
        self.sliders: dict[str, str] = {}  # label -> widget id (sliders and select sliders)
        self.numbers: dict[str, float] = {}  # number input label -> the value it shows
        self.board_id = ""  # the board component's element id
        self.fragment_of: dict[str, str] = {}  # widget id -> the fragment it is drawn in ("": none; the board's
        # is playground/app.py board_area: a stroke reruns it)
        self.epoch: int | None = None
        self.msgs = 0
        self.bytes = 0
        self.epoch_updates = 0
        self.exceptions: list[str] = []
        self.warnings: list[str] = []
        self.events: list[str] = []
        self.strokes = 0
        self.unacked: dict[str, tuple[float, dict]] = {}  # stroke id -> (first sent, monotonic; the stroke)
        self.resent = 0  # strokes sent again in a later batch (not acknowledged by then)
        self.ack_s: list[float] = []  # click → acknowledgement, one per acknowledged stroke
        self.frame_msgs = 0  # messages that carry a board frame (streamed, or the board's data on a rerun)
        self.frame_bytes = 0
        self.full_frames = 0  # of those, full frames (the rest are deltas against one)
        self.delta_bytes = 0
        self.sent_at = 0.0  # the outbox's last sending (monotonic)
        self.resends = 0  # outbox sendings since the last new stroke
        self.board_data = False  # a rerun's board data came (its frame acknowledges what that run applied)

    @property
    def http_base(self) -> str:
        """The page's address (no trailing slash)."""
        u = urllib.parse.urlsplit(self.url)
        path = u.path.removesuffix("/_stcore/stream")
        return urllib.parse.urlunsplit(("https" if u.scheme == "wss" else "http", u.netloc, path, "", ""))

    async def open(self, resume: bool = False) -> None:
        """Connect. With `resume`, ask for this client's session back (the frontend's reconnect: the subprotocol
        list carries the XSRF token and the session id; a server that does not hold the session makes a new one)."""
        protocols = ["streamlit"]
        if resume and self.session_id:
            protocols += [self.cookies.get(XSRF_COOKIE) or "none", self.session_id]
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await connect(
            self.url,
            subprotocols=[Subprotocol(p) for p in protocols],
            origin=self.origin,  # type: ignore[arg-type]  # websockets' Origin is a str subtype
            additional_headers=headers,
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

    # -- HTTP, as the browser does it next to the websocket --
    def _http(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
        """One request with this client's cookies; keeps the cookies the answer sets. Returns the status (0: the
        connection closed without an answer)."""
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.http_base + path, data=body, method=method, headers=h)
        try:
            with OPENER.open(req, timeout=60) as r:
                status, got = r.status, r.headers
                r.read()
        except urllib.error.HTTPError as e:
            status, got = e.code, e.headers
            e.read()
        except (urllib.error.URLError, ConnectionError):  # e.g. an upload refused while it was still being sent
            return 0
        for value in got.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            self.cookies.update({k: m.value for k, m in jar.items()})
        return status

    async def visit(self) -> None:
        """Load the page and the health check, as a browser does before it opens the websocket (their cookies:
        a proxy's affinity cookie, Streamlit's XSRF cookie)."""
        for path in ("/", "/_stcore/health"):
            status = await asyncio.to_thread(self._http, "GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")

    async def upload(self, nbytes: int) -> int:
        """Upload a CSV of about nbytes to this session, as st.file_uploader does (PUT
        /_stcore/upload_file/<session>/<file>), then delete it. Streamlit answers 400 where the session is not
        this process's (no affinity), 413 over server.maxUploadSize. Returns the PUT's status."""
        if not self.session_id:
            raise RuntimeError("no session id yet (load the page first)")
        boundary = "bp" + secrets.token_hex(8)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="points.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + csv_bytes(nbytes)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        path = f"/_stcore/upload_file/{self.session_id}/{secrets.token_hex(8)}"
        xsrf = {"X-Xsrftoken": self.cookies.get(XSRF_COOKIE, "")}
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", **xsrf}
        status = await asyncio.to_thread(self._http, "PUT", path, body, headers)
        if status == 204:
            await asyncio.to_thread(self._http, "DELETE", path, None, xsrf)
        return status

    # -- the protocol --
    async def rerun(self, widgets: list[WidgetState] | None = None, fragment_id: str = "") -> None:
        """A rerun request as the frontend sends it: of the whole app, or (`fragment_id`) of the fragment that holds
        the widget that changed."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
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
        wid = self.button(match)
        await self.rerun([WidgetState(id=wid, trigger_value=True)], fragment_id=self.fragment_of.get(wid, ""))

    async def choose(self, label_start: str, option: str) -> None:
        """Set the select slider whose label starts with `label_start` to this option (its shown text)."""
        wid = next((w for label, w in self.sliders.items() if label.startswith(label_start)), None)
        if wid is None:
            raise LookupError(f"no slider {label_start!r} on the page (saw {sorted(self.sliders)[:12]})")
        state = WidgetState(id=wid, string_array_value=StringArray(data=[option]))
        await self.rerun([state], fragment_id=self.fragment_of.get(wid, ""))

    async def stroke(self, tool: str, pts: list[list[float]], radius: float = 0.03, label: int = 0) -> str:
        """Draw on the board as board.js does: the new stroke goes in the board's `stroke` trigger together with
        every stroke not acknowledged yet (a script run that a newer rerun interrupts can drop a trigger: the
        board's next stroke brings it again). Returns its id."""
        if not self.board_id:
            raise RuntimeError("no board on the page")
        self.strokes += 1
        sid = f"ld{self.strokes}x{secrets.token_hex(4)}"
        stroke = {"id": sid, "tool": tool, "label": label, "target": 0.0, "radius": radius, "pts": pts}
        self.resent += len(self.unacked)
        self.unacked[sid] = (time.monotonic(), stroke)
        self.resends = 0
        await self._send_outbox()
        return sid

    async def resend(self) -> None:
        """Send the strokes not acknowledged yet again (what the board's next stroke would carry)."""
        self.resent += len(self.unacked)
        await self._send_outbox()

    async def _send_outbox(self) -> None:
        self.sent_at = time.monotonic()
        batch = [st for _, st in self.unacked.values()][-MAX_UNACKED:]
        payload = [{"event": "stroke", "value": {"batch": batch}}]
        trigger = WidgetState(id=trigger_id(self.board_id), json_trigger_value=json.dumps(payload))
        await self.rerun([trigger], fragment_id=self.fragment_of.get(self.board_id, ""))

    def _take(self, raw: bytes | str) -> int | None:
        """Count one ForwardMsg and read what the tool needs from it; the script-finished status, if any."""
        data = raw if isinstance(raw, bytes) else raw.encode()
        self.msgs += 1
        self.bytes += len(data)
        if b"bp-frame" in data or BOARD_COMPONENT.encode() in data:
            m = FRAME_RE.search(data)
            if m:
                self.frame_msgs += 1
                self.frame_bytes += len(data)
                full = m.group(1) == m.group(2)
                self.full_frames += full
                self.delta_bytes += 0 if full else len(data)
        if self.unacked:  # a stroke's id in any message: the page has applied it (the frames' acks)
            now = time.monotonic()
            for sid in [s for s in self.unacked if s.encode() in data]:
                self.ack_s.append(now - self.unacked.pop(sid)[0])
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = fm.new_session.page_script_hash or self.page_hash
            self.session_id = fm.new_session.initialize.session_id or self.session_id
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
                self.fragment_of[el.button.id] = fm.delta.fragment_id
            elif ek == "slider":
                self.sliders[el.slider.label] = el.slider.id
                self.fragment_of[el.slider.id] = fm.delta.fragment_id
            elif ek == "bidi_component" and BOARD_COMPONENT in el.bidi_component.component_name:
                self.board_id = el.bidi_component.id
                self.fragment_of[self.board_id] = fm.delta.fragment_id
                self.board_data = True
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

    async def until_finished(self, timeout_s: float = RUN_TIMEOUT_S, full: bool = False) -> int:
        """Read until a script run ends other than by being interrupted for a rerun; its status (a fragment's run
        that ends well counts as FINISHED_OK). `full`: until a run of the whole page ends (Pause: the board
        fragment's playing run ends for it, and the page reruns)."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no end of the script run within {timeout_s:.0f} s")
            status = self._take(await asyncio.wait_for(self.ws.recv(), left))
            if status == FINISHED_FRAGMENT and not full:
                return FINISHED_OK
            if status is not None and status not in (FINISHED_EARLY, FINISHED_FRAGMENT):
                return status

    async def pump(self, seconds: float, click_every: float = 0.0, ack_timeout_s: float = ACK_TIMEOUT_S) -> None:
        """Read whatever comes for this long (Play streams frames). With `click_every`, draw a point on the board
        that often and erase it the next time (a user clicking and clicking again)."""
        assert self.ws is not None
        now = time.monotonic()
        deadline = now + seconds
        next_click = now + click_every / 2 if click_every > 0 else math.inf
        spot = [[0.05 * (secrets.randbelow(9) - 4), 0.05 * (secrets.randbelow(9) - 4)]]  # near the board's middle
        while (left := deadline - (now := time.monotonic())) > 0:
            wait = MAX_BOARD_RESEND_S * 2**self.resends
            lost = self.board_data and now - self.sent_at >= BOARD_RESEND_S * 2**self.resends  # as board.js
            self.board_data = False
            if self.unacked and (lost or now - self.sent_at >= wait):  # as board.js: sent again
                self.resends += 1
                await self.resend()
                continue
            if now >= next_click:
                if self.unacked and now - min(t for t, _ in self.unacked.values()) > ack_timeout_s:
                    raise TimeoutError(f"a stroke drawn {ack_timeout_s:.0f} s ago is not acknowledged")
                await self.stroke("add" if self.strokes % 2 == 0 else "erase", spot)
                next_click += click_every
                continue
            try:
                timeout = min(left, next_click - now, (self.sent_at + wait - now) if self.unacked else left)
                raw = await asyncio.wait_for(self.ws.recv(), max(0.001, timeout))
            except TimeoutError:
                continue
            self._take(raw)

    async def settle_strokes(self, timeout_s: float = ACK_TIMEOUT_S) -> None:
        """Read until every stroke sent is acknowledged (or raise); strokes still waiting after RESEND_S go again,
        as the user's next stroke would take them (a click on Pause right after a stroke can interrupt the run
        that applies it)."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout_s
        sent = time.monotonic()
        while self.unacked and (left := deadline - (now := time.monotonic())) > 0:
            if now - sent >= RESEND_S:
                await self.resend()
                sent = now
            with contextlib.suppress(TimeoutError):
                self._take(await asyncio.wait_for(self.ws.recv(), min(left, RESEND_S)))
        if self.unacked:
            raise TimeoutError(f"{len(self.unacked)} strokes not acknowledged within {timeout_s:.0f} s")


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
def merge_query(base: str, extra: str) -> str:
    """`base` with the keys of `extra` set to extra's values."""
    q = dict(urllib.parse.parse_qsl(base, keep_blank_values=True))
    q.update(urllib.parse.parse_qsl(extra, keep_blank_values=True))
    return urllib.parse.urlencode(q, safe=",")


@dataclasses.dataclass
class Player:
    """What one client does: its page's query, and a speed it chooses before Play (None: the page's default)."""

    query: str
    speed: int | None = None
    kind: str = "default"
    cookies: dict[str, str] | None = None  # a browser that has visited before (None: the first visit sets them)


@dataclasses.dataclass
class PlayOptions:
    play_s: float = 3.0
    click_every: float = 2.0  # s between strokes while playing (0: none)
    visit: bool = False  # load / and /_stcore/health first and keep their cookies (a browser; through a proxy)
    upload_bytes: int = 0  # upload a CSV this big to the session before Play (0: none)
    reconnect: bool = False  # after Pause, reconnect with the session's id: it must resume at the same epoch
    ack_timeout_s: float = ACK_TIMEOUT_S  # a stroke not acknowledged this long is an error


@dataclasses.dataclass
class PlayResult:
    client: int
    kind: str
    ok: bool
    error: str
    msgs: int
    bytes: int
    seconds: float
    frames: int
    epochs: int  # trained in the Play window
    epoch: int | None
    ack_s: list[float]  # click → acknowledgement of each stroke (from its first sending)
    resent: int  # strokes that went again in a later batch, not acknowledged by then
    session_id: str
    cookies: dict[str, str]  # the client's cookies at the end (a proxy's affinity cookie among them)
    upload_status: int | None  # the PUT's HTTP status (204: stored in this session)
    resumed: bool | None  # reconnect: the same session came back at the same epoch
    frame_msgs: int = 0  # messages carrying a board frame in the Play window
    frame_bytes: int = 0
    full_frames: int = 0
    delta_bytes: int = 0  # of the delta frames among them


async def one_player(
    i: int, url: str, player: Player, opts: PlayOptions, ready: list[int], start: asyncio.Event
) -> PlayResult:
    c = Client(url, player.query, cookies=player.cookies)
    if opts.visit:
        c.origin = c.http_base  # a browser sends its page's origin with the websocket
    error, msgs, nbytes, secs, frames, epochs = "", 0, 0, 0.0, 0, 0
    fmsgs = fbytes = ffull = dbytes = 0
    upload_status: int | None = None
    resumed: bool | None = None
    try:
        if opts.visit:
            await c.visit()
        await load_page(c)
        if player.speed is not None:
            await c.choose(SPEED_LABEL, str(player.speed))
            if (status := await c.until_finished()) != FINISHED_OK:
                raise RuntimeError(f"the speed's run ended with status {status}")
        await step10(c, c.epoch or 0)  # the training program compiles here, not in the measured window
        if opts.upload_bytes:
            upload_status = await c.upload(opts.upload_bytes)
            if upload_status != 204:
                raise RuntimeError(f"upload to the session answered {upload_status}")
        ready.append(i)
        await start.wait()
        m0, b0, f0, e0, t0 = c.msgs, c.bytes, c.epoch_updates, c.epoch or 0, time.monotonic()
        fm0, fb0, ff0, db0 = c.frame_msgs, c.frame_bytes, c.full_frames, c.delta_bytes
        await c.click("Play")
        await c.pump(opts.play_s, opts.click_every, opts.ack_timeout_s)
        msgs, nbytes, frames, secs = c.msgs - m0, c.bytes - b0, c.epoch_updates - f0, time.monotonic() - t0
        fmsgs, fbytes, ffull, dbytes = c.frame_msgs - fm0, c.frame_bytes - fb0, c.full_frames - ff0, c.delta_bytes - db0
        epochs = (c.epoch or 0) - e0
        await c.click("Pause")
        status = await c.until_finished(full=True)
        await c.settle_strokes(opts.ack_timeout_s)
        if status != FINISHED_OK:
            error = f"Pause run ended with status {status}"
        elif c.exceptions:
            error = c.exceptions[0]
        if opts.reconnect and not error:
            sid, epoch = c.session_id, c.epoch
            await c.close()
            c.session_id = sid
            await c.open(resume=True)
            await c.rerun()
            if (status := await c.until_finished()) != FINISHED_OK:
                raise RuntimeError(f"the run after reconnecting ended with status {status}")
            resumed = c.session_id == sid and c.epoch == epoch
            if not resumed:
                error = f"reconnected to session {c.session_id[:8]} at epoch {c.epoch}, not {sid[:8]} at {epoch}"
    except Exception as e:
        error = f"{type(e).__name__}: {e}"[:300]
        if c.exceptions:
            error = f"page exception {c.exceptions[0]} ({error})"[:300]
    finally:
        await c.close()
    return PlayResult(
        i,
        player.kind,
        not error,
        error,
        msgs,
        nbytes,
        secs,
        frames,
        epochs,
        c.epoch,
        c.ack_s,
        c.resent,
        c.session_id,
        dict(c.cookies),
        upload_status,
        resumed,
        fmsgs,
        fbytes,
        ffull,
        dbytes,
    )


async def run_players(url: str, players: list[Player], opts: PlayOptions) -> tuple[float, list[PlayResult]]:
    """Every client loads the page and steps first; then all press Play together (a bounded wait).
    Returns the seconds until they were ready and the results."""
    ready: list[int] = []
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_player(i, url, p, opts, ready, start)) for i, p in enumerate(players)]
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2 * RUN_TIMEOUT_S and len(ready) + sum(t.done() for t in tasks) < len(tasks):
        await asyncio.sleep(0.2)
    ready_s = time.monotonic() - t0
    start.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), opts.play_s + 3 * RUN_TIMEOUT_S)
    return ready_s, list(results)


def percentile(xs: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; nan for none."""
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def players_for(args: argparse.Namespace) -> list[Player]:
    players = [Player(args.query) for _ in range(args.clients)]
    if args.heavy:
        players[-1] = Player(merge_query(args.query, HEAVY_QUERY), speed=TOP_SPEED, kind="heavy")
    return players


def report(results: list[PlayResult]) -> None:
    print(
        f"{'client':>6} {'kind':>7} {'msgs':>6} {'msgs/s':>7} {'B/msg':>8} {'KiB/s':>8} {'frames/s':>8} "
        f"{'epochs/s':>8} {'epoch':>8} {'acks':>4} {'resent':>6} {'ack p50':>7} {'ack max':>7} {'B/frame':>7} "
        f"{'full':>4} {'B/delta':>7}  error"
    )
    for r in results:
        rate = r.msgs / r.seconds if r.seconds else 0.0
        ack = [a * 1000 for a in r.ack_s]
        print(
            f"{r.client:>6} {r.kind:>7} {r.msgs:>6} {rate:>7.1f} {r.bytes / max(r.msgs, 1):>8.0f} "
            f"{r.bytes / 1024 / max(r.seconds, 1e-9):>8.1f} {r.frames / max(r.seconds, 1e-9):>8.1f} "
            f"{r.epochs / max(r.seconds, 1e-9):>8.0f} {r.epoch if r.epoch is not None else '-':>8} "
            f"{len(ack):>4} {r.resent:>6} {percentile(ack, 0.5):>7.0f} {max(ack, default=math.nan):>7.0f} "
            f"{r.frame_bytes / max(r.frame_msgs, 1):>7.0f} {r.full_frames:>4} "
            f"{r.delta_bytes / max(r.frame_msgs - r.full_frames, 1):>7.0f}  {r.error}"
        )
    for kind in sorted({r.kind for r in results}):
        ok = [r for r in results if r.ok and r.kind == kind]
        if not ok:
            continue
        secs = sum(r.seconds for r in ok)
        ack = [a * 1000 for r in ok for a in r.ack_s]
        print(
            f"{kind} ({len(ok)} ok): {sum(r.msgs for r in ok) / secs:.1f} msgs/s per client, "
            f"{sum(r.bytes for r in ok) / max(sum(r.msgs for r in ok), 1):.0f} B/msg, "
            f"{sum(r.frames for r in ok) / secs:.1f} frames/s and {sum(r.epochs for r in ok) / secs:.0f} epochs/s "
            f"per client; click → ack over {len(ack)} strokes: "
            f"p50 {percentile(ack, 0.5):.0f} ms, p95 {percentile(ack, 0.95):.0f} ms, "
            f"max {max(ack, default=math.nan):.0f} ms, {sum(r.resent for r in ok)} resent; "
            f"{sum(r.frame_bytes for r in ok) / max(sum(r.frame_msgs for r in ok), 1):.0f} B per board frame "
            f"({sum(r.full_frames for r in ok)} full of {sum(r.frame_msgs for r in ok)}), "
            f"{sum(r.delta_bytes for r in ok) / max(sum(r.frame_msgs - r.full_frames for r in ok), 1):.0f} B per delta"
        )


async def play_mode(args: argparse.Namespace, server: Server | None) -> int:
    before = server.sample() if server else None
    opts = PlayOptions(args.play, args.click_every, args.visit, args.upload_bytes, args.reconnect, args.ack_timeout)
    url = server.url if server else args.url
    ready_s, results = await run_players(url, players_for(args), opts)
    print(f"clients ready in {ready_s:.1f} s; Play")
    heavy = f" (the last one heavy: {HEAVY_QUERY}, speed {TOP_SPEED})" if args.heavy else ""
    print(
        f"Play mode: {args.clients} clients{heavy},"
        f" Play for {args.play:g} s each, a stroke every {args.click_every:g} s, query {args.query}, {url}"
    )
    report(results)
    if server and before:
        after = server.sample()
        print(f"server: maps {before.maps} → {after.maps}, RSS {before.rss_mb:.0f} → {after.rss_mb:.0f} MB")
    if args.reconnect or args.upload_bytes:
        sessions = collections.Counter(r.session_id for r in results)
        print(
            f"affinity: {sum(r.upload_status == 204 for r in results)} uploads stored, "
            f"{sum(bool(r.resumed) for r in results)} sessions resumed, {len(sessions)} distinct session ids"
        )
    return 0 if all(r.ok for r in results) else 1


# ---- mode 3: memory per session -------------------------------------------------------------------------------
MEMORY_EPOCHS = 10_000  # the idle sessions' training (issue 12: "per idle session after 10,000 epochs")


async def trained_session(url: str, query: str, epochs: int, timeout_s: float) -> Client:
    """A session trained to at least `epochs` epochs at top speed, then paused; left open (idle)."""
    c = Client(url, query)
    await load_page(c)
    await c.choose(SPEED_LABEL, str(TOP_SPEED))
    if (status := await c.until_finished()) != FINISHED_OK:
        raise RuntimeError(f"the speed's run ended with status {status}")
    await c.click("Play")
    deadline = time.monotonic() + timeout_s
    while (c.epoch or 0) < epochs:
        if time.monotonic() > deadline:
            raise TimeoutError(f"epoch {c.epoch} after {timeout_s:.0f} s, not {epochs}")
        await c.pump(0.5)
    await c.click("Pause")
    if (status := await c.until_finished(full=True)) != FINISHED_OK:
        raise RuntimeError(f"the Pause run ended with status {status}")
    return c


async def memory_wave(url: str, args: argparse.Namespace, server: Server) -> tuple[list[Client], float]:
    """`args.memory` sessions trained at once; the largest RSS seen while they played (MB)."""
    peak = 0.0

    async def sampler() -> None:
        nonlocal peak
        while True:
            peak = max(peak, server.sample().rss_mb)
            await asyncio.sleep(0.25)

    task = asyncio.create_task(sampler())
    try:
        clients = await asyncio.gather(
            *(trained_session(url, args.query, MEMORY_EPOCHS, 60 * args.max_minutes) for _ in range(args.memory))
        )
    finally:
        task.cancel()
    return list(clients), peak


async def memory_mode(args: argparse.Namespace, server: Server) -> int:
    """Memory per session: N sessions play at top speed to 10,000 epochs (RSS while they play), pause (idle),
    close their tabs (after server.disconnectedSessionTTL Streamlit drops them), and then a second wave of N does
    the same: memory that closed tabs freed is used again, so the second wave adds little."""
    n, url = args.memory, server.url
    warm = Client(url, args.query)  # the first page run imports and compiles: not a session's cost
    await load_page(warm)
    await step10(warm, warm.epoch or 0)
    await warm.close()
    await asyncio.sleep(server.ttl_s + args.settle)
    base = server.sample()
    print(f"memory mode: {n} sessions to {MEMORY_EPOCHS:,} epochs at {TOP_SPEED} per frame, query {args.query!r}")
    print(f"base (one session opened and closed): RSS {base.rss_mb:.0f} MB, {base.maps} maps")
    for wave in (1, 2):
        clients, peak = await memory_wave(url, args, server)
        idle = server.sample()
        for c in clients:
            await c.close()
        await asyncio.sleep(server.ttl_s + args.settle)
        closed = server.sample()
        print(
            f"wave {wave}: playing RSS ≤ {peak:.0f} MB ({(peak - base.rss_mb) / n:.1f} MB a session); "
            f"idle at epoch ≥ {MEMORY_EPOCHS:,}: {idle.rss_mb:.0f} MB ({(idle.rss_mb - base.rss_mb) / n:.1f} MB a "
            f"session); tabs closed, {server.ttl_s + args.settle:.0f} s later: {closed.rss_mb:.0f} MB, "
            f"{closed.maps} maps",
            flush=True,
        )
    return 0


# ---- main -------------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--networks", type=int, default=0, help="open this many fresh sessions, each its own network")
    p.add_argument("--concurrency", type=int, default=1, help="networks mode: sessions at a time (default 1)")
    p.add_argument("--clients", type=int, default=0, help="play mode: this many clients at once")
    p.add_argument(
        "--memory", type=int, default=0, help="memory mode: this many sessions to 10,000 epochs, idle, closed, twice"
    )
    p.add_argument("--play", type=float, default=3.0, help="play mode: seconds of Play per client (default 3)")
    p.add_argument("--query", default=DEFAULT_QUERY, help=f"page query string (default {DEFAULT_QUERY})")
    p.add_argument(
        "--heavy", action="store_true", help=f"play mode: the last client is heavy ({HEAVY_QUERY}, speed 500)"
    )
    p.add_argument(
        "--click-every", type=float, default=2.0, help="play mode: s between strokes drawn while playing (2; 0: none)"
    )
    p.add_argument(
        "--replicas",
        type=int,
        default=0,
        help="play mode: start this many servers behind Debian's nginx (deploy/nginx.conf) and connect through it",
    )
    p.add_argument(
        "--ack-timeout",
        type=float,
        default=ACK_TIMEOUT_S,
        help=f"play mode: a stroke not acknowledged this long is an error ({ACK_TIMEOUT_S:g} s)",
    )
    p.add_argument(
        "--url",
        default=None,
        help="play mode: connect to this running server or proxy (http://host:port) instead of starting one",
    )
    p.add_argument(
        "--visit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the page and keep its cookies before the websocket, send an Origin (default: with --url)",
    )
    p.add_argument("--upload-bytes", type=int, default=0, help="play mode: upload a CSV this big to each session")
    p.add_argument("--reconnect", action="store_true", help="play mode: reconnect after Pause; the session must resume")
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
    if sum(map(bool, (args.networks, args.clients, args.memory))) != 1:
        p.error("give one of --networks N, --clients N or --memory N")
    args.networks = max(0, min(args.networks, 32 * 32))
    args.clients = max(0, min(args.clients, 64))
    args.concurrency = max(1, min(args.concurrency, 16))
    args.play = max(0.5, min(args.play, 120.0))
    args.click_every = max(0.0, min(args.click_every, 60.0))
    args.upload_bytes = max(0, min(args.upload_bytes, 64 << 20))
    if args.url and args.networks:
        p.error("--url is for play mode (--clients N)")
    args.replicas = max(0, min(args.replicas, 16))
    if args.replicas and (args.url or args.networks):
        p.error("--replicas is for play mode on this machine (--clients N, no --url)")
    if args.visit is None:
        args.visit = bool(args.url)
    return args


def replicas_mode(args: argparse.Namespace, env: dict[str, str]) -> int:
    """`--replicas N`: N servers of one snapshot with one cookie secret (as compose.yaml runs them) behind Debian's
    nginx on deploy/nginx.conf (tools/proxy.py); the clients connect through nginx like browsers."""
    from tools.proxy import Proxy

    tmp = Path(tempfile.mkdtemp(prefix="load-replicas-"))
    env = env | {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    app = snapshot(tmp / "app")
    servers = [Server(args.ttl, env, tmp / f"replica{i}.log", app) for i in range(args.replicas)]
    proxy = Proxy([f"{HOST}:{r.port}" for r in servers], free_port(), tmp)
    try:
        for r in servers:
            r.launch()
        for r in servers:
            r.wait_ready()
        proxy.start()
        print(f"{len(servers)} replicas on {', '.join(str(r.port) for r in servers)} behind nginx at {proxy.url}")
        args.url, args.visit = proxy.url, True
        before = [r.sample() for r in servers]
        rc = asyncio.run(play_mode(args, None))
        for i, (r, b) in enumerate(zip(servers, before, strict=True)):
            a = r.sample()
            print(f"replica {i}: RSS {b.rss_mb:.0f} → {a.rss_mb:.0f} MB; {r.log_text().count('Traceback')} tracebacks")
        return rc
    finally:
        proxy.stop()
        for r in servers:
            r.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replicas:
        try:
            return replicas_mode(args, {"BACKPROP_PREWARM": str(args.prewarm), "PYTHONUNBUFFERED": "1"})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            return 130
    if args.url:  # someone else's server: nothing to start, nothing of its process to sample
        try:
            return asyncio.run(play_mode(args, None))
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            return 130
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
        mode = networks_mode if args.networks else memory_mode if args.memory else play_mode
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
