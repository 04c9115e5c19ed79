"""The network guard: the checker never talks to loopback, private, link-local, multicast, reserved,
IPv6 unique-local or IPv4-mapped addresses unless a range is explicitly allowed.

Three checks: the host's every DNS answer before a request (so a blocked URL costs no request), again
on every redirect hop (each hop is a new request), and the socket's peer address right after connect
(GuardedAdapter), so a DNS answer that changes between the check and the connection is no way in.
"""
from __future__ import annotations

import ipaddress
import socket
import threading

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Blocked(Exception):
    """A request would reach an address the guard refuses. Deliberately not an OSError, so that
    urllib3 and requests let it through unwrapped and never retry it."""


class NetworkGuard:
    def __init__(self, allowed: tuple[str, ...] = ()):
        self.allowed = [ipaddress.ip_network(net, strict=False) for net in allowed]
        self._answers: dict = {}  # host -> addresses (or the lookup error), for this run only
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def refusal(self, address: str) -> str | None:
        """Why `address` may not be reached, or None when it may."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip.version == net.version and ip in net for net in self.allowed):
            return None
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return self.refusal(str(embedded)) and f"{address} embeds the non-public address {embedded}"
        if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
            return f"{address} is not a public address (use --allow-network to allow its range)"
        return None

    def check_host(self, host: str) -> None:
        """Raise Blocked when any address `host` resolves to is refused; socket.gaierror passes through
        (a DNS failure is a broken link, not a blocked one)."""
        for address in self.addresses(host):
            reason = self.refusal(address)
            if reason:
                raise Blocked(f"{host} resolves to {reason}" if host != address else reason)

    def addresses(self, host: str) -> list[str]:
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            return [host]
        except ValueError:
            pass
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:  # one lookup per host and run, however many threads ask at once
            known = self._answers.get(host)
            if known is None:
                try:
                    known = sorted({info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
                except socket.gaierror as exc:
                    known = exc  # a failed lookup is remembered too
                self._answers[host] = known
        if isinstance(known, socket.gaierror):
            raise known
        return known


def _embedded_ipv4(ip) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


class _PeerCheck:
    guard: NetworkGuard

    def _new_conn(self):
        sock = super()._new_conn()
        reason = self.guard.refusal(sock.getpeername()[0])
        if reason:
            sock.close()
            raise Blocked(f"connected to {reason}")
        return sock


class GuardedAdapter(HTTPAdapter):
    """A requests transport adapter whose connections check the peer address at connect time."""

    def __init__(self, guard: NetworkGuard, **kwargs):
        http_conn = type("GuardedHTTPConnection", (_PeerCheck, HTTPConnection), {"guard": guard})
        https_conn = type("GuardedHTTPSConnection", (_PeerCheck, HTTPSConnection), {"guard": guard})
        self._pools = {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
                       "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise Blocked("proxies are not used: the guard must see the real peer address")
