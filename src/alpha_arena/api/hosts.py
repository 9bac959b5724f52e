"""Which names the server answers to (the Host header) and which pages may open its WebSocket
(the Origin header).

Reads are open on loopback, so without a Host check a web page could read everything through
DNS rebinding: a name of the attacker's that first resolves to their server, then to
127.0.0.1, makes the browser treat our answers as that page's own. The browser still sends
the attacker's name as the Host, which is what is refused here. A WebSocket is not covered by
CORS at all, so its Origin is checked too."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from alpha_arena.api.errors import error_response

#: Always answered to: a rebinding page cannot make the browser send these as its Host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` as (lower-case name, port); None
    when it is none of them."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    elif value.count(":") > 1:  # an IPv6 address without brackets (a configured name)
        name, port_text = value, None
    else:
        name, colon, port_text_or_empty = value.partition(":")
        port_text = port_text_or_empty if colon else None
    if not name:
        return None
    if port_text is None:
        return name, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return name, int(port_text)


class HostAllowList:
    """The names this server answers to: loopback, the configured ones (``*`` for any,
    ``*.example.com`` for its subdomains) and the address it is bound to."""

    def __init__(self, configured: Iterable[str], bound: str | None = None) -> None:
        names = [*LOOPBACK_HOSTS, *configured, *([bound] if bound else [])]
        parsed = [split_host(name) for name in names]
        self._names = {found[0] for found in parsed if found is not None}
        self._any = "*" in self._names
        self._suffixes = tuple(name[1:] for name in self._names if name.startswith("*."))

    def allows(self, name: str) -> bool:
        if self._any or name in self._names:
            return True
        return any(name.endswith(suffix) for suffix in self._suffixes)

    def allows_header(self, host_header: str | None) -> bool:
        found = split_host(host_header) if host_header else None
        return found is not None and self.allows(found[0])


def origin_allowed(
    origin: str | None, scheme: str, host_header: str | None, hosts: HostAllowList,
    cors_origins: Iterable[str],
) -> bool:  # fmt: skip
    """Whether a WebSocket from ``origin`` may connect. No Origin: not a browser, allowed. A
    configured CORS origin: allowed. Else the page must be the server's own: an allowed name
    on the scheme (http for ws, https for wss) and port the request itself came in on."""
    if origin is None:
        return True
    origin = origin.strip().lower().rstrip("/")
    if origin in {allowed.strip().lower().rstrip("/") for allowed in cors_origins}:
        return True
    parts = urlsplit(origin)
    page_scheme = "https" if scheme in ("wss", "https") else "http"
    try:
        page_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port out of range
        return False
    served = split_host(host_header) if host_header else None
    if parts.scheme != page_scheme or not parts.hostname or served is None:
        return False
    return hosts.allows(parts.hostname) and page_port == (served[1] or _DEFAULT_PORTS[scheme])


class RefuseUnknownHosts:
    """Answer a request whose Host is not allowed with 400 (a WebSocket: refused, 403)."""

    def __init__(self, app: ASGIApp, hosts: HostAllowList) -> None:
        self._app = app
        self._hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self._hosts.allows_header(host):
            await self._app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "unknown Host"})
            return
        shown = (host or "")[:100]
        response = error_response(
            400, "host_not_allowed",
            f"this server does not answer to the Host {shown!r}; "
            "add the name to ARENA_API_ALLOWED_HOSTS to serve it",
        )  # fmt: skip
        await response(scope, receive, send)
