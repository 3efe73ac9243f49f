"""Two replicas of the app behind Debian's nginx, configured by deploy/nginx.conf, under the load tool's clients.

The replicas are tools/load.py's Server (a snapshot of engine/ and playground/, on loopback ports, the same
cookie secret on both, as compose.yaml gives them); nginx runs in the foreground on a copy of
deploy/nginx.conf whose upstream lines point at the replicas and whose pid, logs and temp files are in tmp_path
(the affinity rules, timeouts and body limit are the file's own). The clients are tools/load.py's players: each
visits the page through the proxy (cookies, Origin), opens its session, uploads a 1.9 MB CSV to it (over nginx's
default body limit of 1 MB, under the app's 2 MB), steps, plays while drawing points, pauses, reconnects with
its session id.

First, 64 first visits (no cookie) show that nginx hands each its own cookie, that the cookie-less requests all
go to one replica (they are keyed by the client address: one address, one replica, as ip_hash does to a class
behind a NAT) and that the cookies spread over both. The six players are browsers that come back with cookies
from that lot, three that hash to each replica, so that the load is spread by construction and the test does
not depend on where six random cookies fall. What proves the affinity:

- nginx's access log (the file's own `affinity` format): every request that carried a client's cookie, the page,
  the health check, both websockets, the upload and its deletion, went to one and the same replica;
- the upload is accepted (Streamlit answers 400 to an upload for a session the process does not hold);
- the reconnect resumes the session at its epoch (a replica that does not hold it makes a fresh one: checked
  against the other replica directly, as a control).
"""

import asyncio
import collections
import os
import re
import time
import urllib.request
from pathlib import Path

import pytest

from tools import load
from tools.proxy import NGINX, Proxy

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "bp_route"
CLIENTS_PER_REPLICA = 3
PROBES = 64  # first visits: the cookies nginx hands out, and where they hash
COOKIE_SECRET = "test-only-secret-" + "0" * 32  # compose.yaml takes it from BP_COOKIE_SECRET

if not Path(NGINX).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the proxy test: /usr/sbin/nginx is missing (apt-get install nginx)")
    pytest.skip("no Debian nginx (apt-get install nginx)", allow_module_level=True)

LOG_RE = re.compile(
    r'"(?P<req>[^"]*)" (?P<status>\d+) key=(?P<key>\S*) cookie=(?P<cookie>\S*) upstream=(?P<up>.*?) rt=\S+$'
)


def get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """GET through the proxy; the status and the bp_route cookie the answer sets, if any."""
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with load.OPENER.open(req, timeout=30) as r:
        r.read()
        set_cookie = [v for v in r.headers.get_all("Set-Cookie") or [] if v.startswith(COOKIE + "=")]
        return r.status, set_cookie[0].split(";")[0].split("=", 1)[1] if set_cookie else None


def access_log(path: Path) -> list[dict[str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        m = LOG_RE.search(line)
        assert m, f"an access log line not in the affinity format: {line}"
        rows.append({k: "" if v == "-" else v for k, v in m.groupdict().items()})  # nginx logs "" as "-"
    return rows


async def resume_elsewhere(ws: str, session_id: str) -> str:
    """Reconnect directly to a replica with a session id: the session id that replica then serves."""
    c = load.Client(ws, load.DEFAULT_QUERY)
    c.session_id = session_id
    try:
        await c.open(resume=True)
        await c.rerun()
        await c.until_finished()
        return c.session_id
    finally:
        await c.close()


@pytest.mark.timeout(300)
def test_replicas_behind_nginx_keep_each_session_on_one_replica(tmp_path):
    t_start = time.monotonic()
    env = {
        "BACKPROP_PREWARM": "0",
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,  # the same on every replica, as in compose.yaml
    }
    app = load.snapshot(tmp_path / "app")
    replicas = [load.Server(30, env, tmp_path / f"replica{i}.log", app) for i in range(2)]
    nginx = Proxy([f"{load.HOST}:{r.port}" for r in replicas], load.free_port(), tmp_path)
    checked = nginx.check()
    assert checked.returncode == 0, checked.stderr
    proxy = nginx.url
    try:
        for r in replicas:
            r.launch()
        for r in replicas:
            r.wait_ready()
        nginx.start()

        # first visits: nginx hands each a cookie of its own, and none to a request that brings one
        issued = []
        for _ in range(PROBES):
            status, cookie = get(proxy + "/_stcore/health")
            assert status == 200 and cookie, "a request without the cookie is answered with one"
            issued.append(cookie)
        assert len(set(issued)) == PROBES
        for cookie in issued:
            assert get(proxy + "/_stcore/health", cookie) == (200, None)
        probe_log = access_log(tmp_path / "access.log")
        first = {row["up"] for row in probe_log if not row["cookie"]}
        # without a cookie the key is the client's address: one address, one replica (what ip_hash does to a
        # class behind one NAT; only the page's first request is routed so)
        assert len(first) == 1, first
        home = {row["cookie"]: row["up"] for row in probe_log if row["cookie"]}
        by_replica = collections.defaultdict(list)
        for cookie, up in home.items():
            by_replica[up].append(cookie)
        addresses = sorted(f"{load.HOST}:{r.port}" for r in replicas)
        assert sorted(by_replica) == addresses, "the cookies hash to both replicas"
        # ketama's split of the ring between two names is uneven by some percent: "both get a share", not "half"
        assert min(len(v) for v in by_replica.values()) >= PROBES // 8, {k: len(v) for k, v in by_replica.items()}

        # the load: browsers holding cookies nginx issued, as many routed to each replica
        players = [
            load.Player(load.DEFAULT_QUERY, cookies={COOKIE: by_replica[a][k]})
            for a in addresses
            for k in range(CLIENTS_PER_REPLICA)
        ]
        # a stroke at 1 s and at 3 s of Play; acknowledgements are slow while six sessions rerun on two cores
        opts = load.PlayOptions(
            play_s=4.0, click_every=2.0, visit=True, upload_bytes=1_900_000, reconnect=True, ack_timeout_s=30.0
        )
        _, results = asyncio.run(load.run_players(proxy, players, opts))
        load.report(results)
        errors = [f"client {r.client}: {r.error}" for r in results if not r.ok]
        assert not errors, errors
        for r in results:
            assert r.upload_status == 204 and r.resumed, r
            assert r.frames > 0 and r.ack_s, f"client {r.client} saw no frames or no acknowledged stroke"
        assert len({r.session_id for r in results}) == len(results)

        # control: the same reconnect straight to the other replica gets a fresh session, not this one
        r0, holder = results[0], home[players[0].cookies[COOKIE]]
        other = next(r for r in replicas if f"{load.HOST}:{r.port}" != holder)
        assert asyncio.run(resume_elsewhere(other.url, r0.session_id)) != r0.session_id
    finally:
        nginx.stop()
        for r in replicas:
            r.stop()

    rows = access_log(tmp_path / "access.log")[len(probe_log) :]
    served = collections.defaultdict(list)
    for row in rows:
        if row["cookie"]:
            served[row["cookie"]].append((row["req"].split(" ")[0], row["req"].split(" ")[1][:28], row["up"]))
    for p, r in zip(players, results, strict=True):
        cookie = p.cookies[COOKIE]
        reqs = served[cookie]
        assert len({up for _, _, up in reqs}) == 1, f"client {r.client} was served by several replicas: {reqs}"
        assert reqs[0][2] == home[cookie], f"client {r.client} left the replica its cookie hashes to"
        kinds = collections.Counter(
            (m, path.split("/")[2] if path.startswith("/_stcore/") else path) for m, path, _ in reqs
        )
        # the page, its health check, two websockets, the upload and its deletion
        assert kinds[("GET", "/")] == 1 and kinds[("GET", "stream")] == 2, kinds
        assert kinds[("PUT", "upload_file")] == 1 and kinds[("DELETE", "upload_file")] == 1, kinds
    per_replica = collections.Counter(served[p.cookies[COOKIE]][0][2] for p in players)
    assert sorted(per_replica.values()) == [CLIENTS_PER_REPLICA] * 2, per_replica
    print(f"proxy test: {time.monotonic() - t_start:.0f} s; sessions per replica {dict(per_replica)}")
