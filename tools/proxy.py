"""deploy/nginx.conf on this machine: N app replicas and Debian's nginx in front of them, all on loopback.

    python -m tools.load --clients 10 --replicas 2    # the load tool's clients through nginx to two replicas

`proxy_config` rewrites the shipped config for a run here (the upstream's server lines → the replicas, with the
file's own parameters; listen on 127.0.0.1; pid, logs and temp files in a temporary folder); `Proxy` runs nginx
in the foreground on it. tests/test_proxy.py uses both.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "nginx.conf"
NGINX = "/usr/sbin/nginx"  # Debian's (apt-get install nginx)
HOST = "127.0.0.1"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy from the env


def proxy_config(upstreams: list[str], port: int, tmp: Path) -> str:
    """deploy/nginx.conf for a run on this machine: the upstream's server lines point at `upstreams` (with the
    file's own parameters), nginx listens on 127.0.0.1:port in the foreground, its pid, logs and temp files in
    tmp. Raises ValueError when the shipped file lacks a part this relies on."""
    text = CONF.read_text()
    block = re.search(r"upstream playground \{(.*?)\n\s*\}", text, re.S)
    if not block:
        raise ValueError("deploy/nginx.conf has no `upstream playground { … }` block")
    lines = block.group(1).splitlines()
    servers = [ln for ln in lines if re.match(r"\s*server\s", ln)]
    if not servers:
        raise ValueError("deploy/nginx.conf's upstream block lists no replica")
    params = re.match(r"\s*server\s+\S+\s*(.*);", servers[0]).group(1)  # type: ignore[union-attr]
    kept = [ln for ln in lines if ln not in servers]
    ours = [f"        server {u} {params};" for u in upstreams]
    text = text.replace(block.group(1), "\n".join(kept + ours))
    for old, new in (
        ("listen 80;", f"listen {HOST}:{port};"),
        ("access_log /dev/stdout affinity;", f"access_log {tmp}/access.log affinity;"),
        ("error_log /dev/stderr warn;", f"error_log {tmp}/error.log info;"),
    ):
        if old not in text:
            raise ValueError(f"deploy/nginx.conf has no {old!r}")
        text = text.replace(old, new)
    temps = "".join(f"    {k}_temp_path {tmp}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = text.replace("http {\n", "http {\n" + temps, 1)
    head = f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log info;\n"
    if os.geteuid() == 0:  # workers would run as nobody, without access to tmp
        head += "user root;\n"
    return head + text


class Proxy:
    """nginx in the foreground on `proxy_config(upstreams, port, tmp)`; `start()` waits until /_stcore/health
    answers through it (at most 20 s)."""

    def __init__(self, upstreams: list[str], port: int, tmp: Path) -> None:
        self.tmp, self.port = tmp, port
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(proxy_config(upstreams, port, tmp))
        self.proc: subprocess.Popen | None = None
        self._err = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run([NGINX, "-t", "-c", str(self.conf), "-p", str(self.tmp)], capture_output=True, text=True)

    def start(self, timeout_s: float = 20.0) -> None:
        self._err = (self.tmp / "nginx.stderr").open("wb")
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.tmp)], stderr=self._err)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with OPENER.open(self.url + "/_stcore/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + (self.tmp / "nginx.stderr").read_text(errors="replace"))
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer within {timeout_s:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        """Graceful (SIGQUIT): the access log is complete when nginx has exited."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._err is not None:
            self._err.close()
            self._err = None
