"""The gateway in front of Voila that makes ``mopkit serve`` safe to open to a client.

Voila listens on a private loopback port; this tornado proxy listens on ``--ip``/``--port`` and
forwards a request only when

* the ``Host`` header names an allowed host (loopback names, the ``--ip`` itself and every
  ``--allow-host``): a DNS-rebinding page on another name is refused;
* a websocket or a non-GET request carries no ``Origin`` or one on an allowed host;
* the visitor has the run's token: ``?token=...`` once (it is then kept in an HttpOnly,
  SameSite=Strict cookie and taken out of the address bar), the cookie, or an
  ``Authorization: token ...`` header;
* a page render would not start more than ``max_kernels`` live kernels; otherwise the visitor
  gets a "busy, retry" page (HTTP 503 with ``Retry-After``) instead of a silent hang.

Live kernels are counted by identity, not by process count: every page Voila renders names the
kernel it handed to the visitor (``"kernelId"`` in the page config); the gateway keeps those ids
and counts the ones whose kernel process (``kernel-<id>.json`` on its command line) is still a
child of Voila, plus renders in flight, so ten simultaneous visitors cannot all slip under the
cap. Pre-heated kernels waiting in Voila's pool were never handed out and are not counted, even
while the pool is being refilled (Voila refills it ``fill_delay`` seconds after a visit, so
"children minus pool size" undercounted right after visits); a kernel Voila culls or shuts down
(the page's ``beforeunload``) stops counting when its process ends.
"""
from __future__ import annotations

import gzip
import hmac
import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import psutil
from tornado import httpclient, web, websocket
from tornado.log import gen_log

COOKIE = "mopkit_token"
HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
       "transfer-encoding", "upgrade", "host", "origin", "content-length"}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
#: the kernel a rendered page is attached to (Voila's page config) and a kernel process's
#: connection file (jupyter_client names it after the kernel id)
PAGE_KERNEL = re.compile(rb'"kernelId"\s*:\s*"([0-9a-f-]{36})"')
PROC_KERNEL = re.compile(r"kernel-([0-9a-f-]{36})\.json")

BUSY = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{retry}">
<title>{title}</title><style>body{{font-family:sans-serif;max-width:36em;margin:15vh auto;color:#1f2933}}</style></head>
<body><h2>{title}</h2><p>{text}</p></body></html>"""
TEXT = {
    "busy": {"zh": ("访问人数已满", "当前同时打开驾驶舱的人数已达上限（{cap} 人）。本页将在 {retry} 秒后自动重试。"),
             "en": ("The dashboard is busy", "{cap} visitors have it open, the most it serves at once. "
                    "This page retries by itself in {retry} seconds.")},
    "token": {"zh": ("需要访问口令", "请使用顾问发给您的完整链接（含 token）打开驾驶舱。"),
              "en": ("Access token needed", "Open the dashboard with the full link your consultant sent (it contains a token).")},
    "host": {"zh": ("拒绝访问", "该地址不在本服务允许的主机名中。"),
             "en": ("Refused", "This host name is not one this server answers to.")},
}


def host_name(value: str | None) -> str:
    """The host of a ``Host`` header or an ``Origin`` URL, lower-case, without port/brackets."""
    if not value:
        return ""
    if "://" in value:
        return (urlsplit(value).hostname or "").lower()
    if value.startswith("["):
        return value[1:value.find("]")].lower()
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


class Gate:
    """Shared state of the gateway: upstream address, token, allowed hosts, kernel accounting."""

    def __init__(self, upstream_port: int, token: str, *, ip: str = "127.0.0.1", allow_hosts=(),
                 max_kernels: int = 5, voila_pid: int | None = None, lang: str = "zh", retry_s: int = 20):
        if not token:
            raise ValueError("a token is required")
        self.upstream = f"127.0.0.1:{upstream_port}"
        self.token, self.max_kernels, self.voila_pid = token, max_kernels, voila_pid
        self.lang, self.retry_s = lang, retry_s
        self.hosts = set(LOOPBACK) | {h.lower() for h in allow_hosts}
        if ip not in ("0.0.0.0", "::", ""):
            self.hosts.add(ip.lower())
        self.in_flight = 0
        self.held: set[str] = set()  # ids of the kernels handed to visitors

    def kernel_processes(self) -> set[str]:
        """Ids of the kernels running as Voila's child processes (pool included)."""
        if not self.voila_pid:
            return set()
        try:
            children = psutil.Process(self.voila_pid).children(recursive=False)
        except psutil.Error:
            return set()
        ids = set()
        for child in children:
            try:
                m = PROC_KERNEL.search(" ".join(child.cmdline()))
            except psutil.Error:  # ended (or a zombie) since the listing: not live
                continue
            if m:
                ids.add(m.group(1))
        return ids

    def live_kernels(self) -> int:
        """Kernels visitors hold: those handed out in a rendered page whose process still runs.

        Kernels that ended (culled, shut down by the page, Voila restarted) are forgotten.
        """
        self.held &= self.kernel_processes()
        return len(self.held)

    def handed_out(self, body: bytes, encoding: str = "") -> str | None:
        """Record the kernel a rendered page was attached to; return its id (None if none)."""
        if encoding.lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError):
                return None
        m = PAGE_KERNEL.search(body)
        if m:
            self.held.add(m.group(1).decode())
            return m.group(1).decode()
        return None

    def page(self, key: str, **fmt) -> str:
        title, text = TEXT[key][self.lang if self.lang in ("zh", "en") else "en"]
        fmt = {"retry": self.retry_s, "cap": self.max_kernels, **fmt}
        return BUSY.format(title=html.escape(title), text=html.escape(text.format(**fmt)), retry=fmt["retry"])


class _Checks:
    gate: Gate

    def initialize(self, gate: Gate) -> None:
        self.gate = gate

    def refuse(self) -> bool:
        """Host, Origin and token checks; writes the refusal and returns True when refused."""
        g, req = self.gate, self.request
        if host_name(req.headers.get("Host")) not in g.hosts:
            self.set_status(403)
            self.finish(g.page("host"))
            return True
        origin = req.headers.get("Origin")
        needs_origin = req.method not in ("GET", "HEAD") or req.headers.get("Upgrade", "").lower() == "websocket"
        if origin and needs_origin and host_name(origin) not in g.hosts:
            self.set_status(403)
            self.finish(g.page("host"))
            return True
        given = self.get_query_argument("token", None) or self.get_cookie(COOKIE) or ""
        auth = req.headers.get("Authorization", "")
        if not given and auth.lower().startswith("token "):
            given = auth[6:].strip()
        if not hmac.compare_digest(given.encode(), g.token.encode()):
            self.set_status(403)
            self.finish(g.page("token"))
            return True
        return False

    def upstream_headers(self) -> dict:
        h = {k: v for k, v in self.request.headers.get_all() if k.lower() not in HOP and k.lower() != "cookie"}
        cookies = [f"{k}={m.value}" for k, m in self.request.cookies.items() if k != COOKIE]
        if cookies:
            h["Cookie"] = "; ".join(cookies)
        h["Authorization"] = f"token {self.gate.token}"
        return h

    def upstream_path(self) -> str:
        q = [(k, v) for k, v in parse_qsl(self.request.query, keep_blank_values=True) if k != "token"]
        return self.request.path + ("?" + urlencode(q) if q else "")


class ProxyHandler(_Checks, web.RequestHandler):
    """Plain HTTP: checks, the kernel cap on page renders, then the upstream response as it is."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

    def set_default_headers(self) -> None:
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "no-referrer")

    async def _any(self):
        if self.refuse():
            return
        if self.get_query_argument("token", None):  # keep the token in a cookie, out of the address bar
            self.set_cookie(COOKIE, self.gate.token, httponly=True, samesite="Strict",
                            secure=self.request.protocol == "https" or None)
            # one leading slash: "//evil.example/?token=…" must not redirect off this host
            self.redirect("/" + self.upstream_path().lstrip("/\\"))
            return
        g = self.gate
        render = self.request.method == "GET" and (self.request.path in ("/", "") or self.request.path.startswith("/voila/render"))
        if render and g.live_kernels() + g.in_flight >= g.max_kernels:
            self.set_status(503)
            self.set_header("Retry-After", str(g.retry_s))
            self.finish(g.page("busy"))
            return
        g.in_flight += render
        try:
            resp = await httpclient.AsyncHTTPClient().fetch(
                f"http://{g.upstream}{self.upstream_path()}", method=self.request.method,
                headers=self.upstream_headers(), follow_redirects=False, raise_error=False,
                body=self.request.body if self.request.method in ("POST", "PUT", "PATCH") else None,
                allow_nonstandard_methods=True, request_timeout=300, decompress_response=False)
        except OSError:  # Voila restarting or gone: say so rather than a bare 500
            self.set_status(503)
            self.set_header("Retry-After", str(g.retry_s))
            self.finish(g.page("busy"))
            return
        finally:
            g.in_flight -= render
        # no await since the in-flight count dropped: the kernel is counted as held before any
        # other visitor is checked against the cap
        if render and resp.code == 200 and not g.handed_out(resp.body or b"", resp.headers.get("Content-Encoding", "")):
            gen_log.warning("mopkit gate: a rendered page named no kernel; it is not counted against the cap")
        self.set_status(resp.code if resp.code != 599 else 502)
        for k, v in resp.headers.get_all():
            if k.lower() not in HOP:
                self.add_header(k, v)
        if resp.body:
            self.write(resp.body)
        self.finish()

    get = head = post = put = patch = delete = _any


class SocketHandler(_Checks, websocket.WebSocketHandler):
    """Kernel websockets, relayed message by message to Voila."""

    upstream_ws = None

    async def get(self, *args, **kwargs):
        if self.refuse():
            return
        protos = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        req = httpclient.HTTPRequest(f"ws://{self.gate.upstream}{self.upstream_path()}", headers=self.upstream_headers())
        try:
            self.upstream_ws = await websocket.websocket_connect(req, subprotocols=protos or None,
                                                                 on_message_callback=self._from_upstream)
        except Exception:  # noqa: BLE001 - the kernel is gone or Voila refused: tell the browser
            self.set_status(502)
            self.finish()
            return
        await super().get(*args, **kwargs)

    def check_origin(self, origin: str) -> bool:  # checked in refuse()
        return True

    def select_subprotocol(self, subprotocols):
        return self.upstream_ws.selected_subprotocol if self.upstream_ws else None

    def _from_upstream(self, msg) -> None:
        if msg is None:
            self.close()
            return
        try:
            self.write_message(msg, binary=isinstance(msg, bytes))
        except websocket.WebSocketClosedError:
            pass

    def on_message(self, message) -> None:
        if self.upstream_ws is not None:
            self.upstream_ws.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        if self.upstream_ws is not None:
            self.upstream_ws.close()


def make_app(gate: Gate) -> web.Application:
    return web.Application([
        (r"/api/kernels/[^/]+/channels.*", SocketHandler, {"gate": gate}),
        (r".*", ProxyHandler, {"gate": gate}),
    ], websocket_ping_interval=30)
