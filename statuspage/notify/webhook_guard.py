"""SSRF protection for webhook URLs: only public https endpoints, checked twice.

A webhook URL is typed by an anonymous visitor, and the worker then POSTs to it from inside
our network, so an address like http://169.254.169.254/ (cloud metadata), http://localhost:6379/
or http://10.0.0.5/admin must never be reachable. We check:

1. at subscribe time, `check_webhook_url`: https only, no credentials in the URL, and every
   address the host name resolves to is public (`ipaddress.is_global`, not multicast or
   reserved); an IPv6 address that carries an IPv4 address (mapped, compatible, translated,
   NAT64, 6to4, Teredo) is judged by the IPv4 address it carries (`embedded_ipv4`);
2. at connect time, `GuardedAdapter`: the socket connects only to an address that passed the
   same check, resolved in the same step. A host name that resolved to a public address at
   subscribe time and to 127.0.0.1 later (DNS rebinding) is refused there. TLS still verifies
   the certificate against the host name, because only the socket target changes.

WEBHOOK_ALLOW_LOOPBACK (tests and local development only) additionally allows loopback
addresses, over http too; private and link-local ranges stay refused.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask_babel import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection as urllib3_connection

from statuspage.core.errors import DomainError

MAX_URL_LENGTH = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddressError(NewConnectionError):
    """The host name resolved to an address webhooks may not reach."""


# IPv6 forms that carry an IPv4 address, which a host, a NAT64 gateway or a tunnel relay turns
# into a connection to that IPv4 address (RFC 4291, 6052, 8215, 3056, 6145, 4380).
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
# RFC 6052 layouts inside a network-specific prefix of 48, 56, 64 or 96 bits: where the
# IPv4 address's pieces sit, as (first bit, width), and where the zero suffix starts. Bits
# 64-71 (the "u" octet) are zero in every layout shorter than 96 bits.
_RFC6052_LAYOUTS: tuple[tuple[tuple[tuple[int, int], ...], int], ...] = (
    (((48, 16), (72, 16)), 88),
    (((56, 8), (72, 24)), 96),
    (((72, 32),), 104),
    (((96, 32),), 128),
)


def _bits(value: int, first: int, width: int) -> int:
    """`width` bits of a 128-bit value, counted from the top."""
    return (value >> (128 - first - width)) & ((1 << width) - 1)


def _rfc6052_candidates(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an address in the local-use NAT64 prefix may carry: its operator
    picks the prefix length, so every well-formed layout is read (the /96 one always is)."""
    value = int(address)
    found = []
    for pieces, suffix_start in _RFC6052_LAYOUTS:
        if suffix_start < 128 and (_bits(value, 64, 8) or _bits(value, suffix_start,
                                                                 128 - suffix_start)):
            continue
        v4 = 0
        for first, width in pieces:
            v4 = (v4 << width) | _bits(value, first, width)
        found.append(ipaddress.IPv4Address(v4))
    return found


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address] | None:
    """The IPv4 address(es) an IPv6 transition form carries, or None when it carries none.

    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, except :: and ::1),
    IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::a.b.c.d and the local-use
    64:ff9b:1::/48), 6to4 (2002:aabb:ccdd::/48) and Teredo (server and client).
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in IPV4_TRANSLATED or address in NAT64_WELL_KNOWN:
        return [low32]
    if address in IPV4_COMPATIBLE:
        return None if int(address) <= 1 else [low32]
    if address in NAT64_LOCAL_USE:
        return _rfc6052_candidates(address)
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return None


def _reachable(address: Address, allow_loopback: bool) -> bool:
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast and not address.is_reserved


def address_allowed(address: Address, allow_loopback: bool) -> bool:
    """Public unicast addresses only; loopback as well when `allow_loopback`.

    An IPv6 address that embeds an IPv4 address (see `embedded_ipv4`) is judged by what it
    embeds, every reading of it: 64:ff9b::a9fe:a9fe is 169.254.169.254, 2002:a00:1:: is
    10.0.0.1. Teredo must pass on both counts (and 2001::/32 is not global, so it never does).
    """
    embedded = embedded_ipv4(address)
    if embedded is None:
        return _reachable(address, allow_loopback)
    if not all(_reachable(v4, allow_loopback) for v4 in embedded):
        return False
    # Only an IPv6 address embeds one (embedded_ipv4 returns None for IPv4): narrows the type.
    assert isinstance(address, ipaddress.IPv6Address)
    return address.teredo is None or _reachable(address, allow_loopback)


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (raises socket.gaierror when it resolves to none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Drop an IPv6 zone ("fe80::1%eth0") before parsing; the address itself is what we check.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_webhook_url(url: str, allow_loopback: bool, *, resolve_host: bool = True) -> str:
    """The normalised URL, or DomainError (field "address") when webhooks may not use it.

    Normalising lower-cases the scheme and host, encodes an international host name, drops a
    default port and the fragment, and keeps path and query as given. `resolve_host=False`
    skips the DNS lookup (the connect-time guard still checks every send).
    """
    raw = (url or "").strip()
    if len(raw) > MAX_URL_LENGTH:
        raise DomainError(_("The URL must be at most %(max)s characters.", max=MAX_URL_LENGTH),
                          "address")
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in {"http", "https"} or not host:
        raise DomainError(_("Enter a full URL starting with https://."), "address")
    if parts.username is not None or parts.password is not None:
        raise DomainError(_("The URL must not contain a user name or password."), "address")
    try:
        port = parts.port
    except ValueError:
        raise DomainError(_("The URL has an invalid port."), "address") from None
    literal = _literal(host)
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise DomainError(_("The URL's host name is not valid."), "address") from None
    loopback_name = host == "localhost" or host.endswith(".localhost")
    if loopback_name and not allow_loopback:
        raise DomainError(_("Webhook URLs must point to a public address."), "address")
    addresses: list[Address] = [literal] if literal is not None else []
    if literal is None and resolve_host:
        try:
            addresses = resolve(host, port or (443 if scheme == "https" else 80))
        except (socket.gaierror, UnicodeError):
            raise DomainError(_("We could not find the host %(host)s.", host=host),
                              "address") from None
    if any(not address_allowed(a, allow_loopback) for a in addresses):
        raise DomainError(_("Webhook URLs must point to a public address, not a private or "
                            "local network."), "address")
    if scheme != "https":
        local = (allow_loopback and (loopback_name or bool(addresses))
                 and all(a.is_loopback for a in addresses))
        if not local:
            raise DomainError(_("Webhook URLs must start with https://."), "address")
    netloc = f"[{host}]" if isinstance(literal, ipaddress.IPv6Address) else host
    if port is not None and port != (443 if scheme == "https" else 80):
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class _GuardedConnectionMixin:
    """Connects only to an address that passes `address_allowed` (the DNS rebinding check)."""

    allow_loopback = False
    # Provided by urllib3's HTTPConnection:
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = resolve(self._dns_host, self.port)
        except socket.gaierror as error:
            # The mixin is only ever mixed into HTTP(S)Connection, which urllib3 expects here.
            raise NewConnectionError(self, f"Failed to resolve {self._dns_host}: {error}"  # type: ignore[arg-type]
                                     ) from error
        allowed = [a for a in addresses if address_allowed(a, self.allow_loopback)]
        if not allowed or len(allowed) != len(addresses):
            raise BlockedAddressError(self, f"{self._dns_host} resolves to a non-public "  # type: ignore[arg-type]
                                      "address")
        last: OSError | None = None
        for address in allowed:
            try:
                return urllib3_connection.create_connection(
                    (str(address), self.port), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options)
            except OSError as error:
                last = error
        raise NewConnectionError(self, f"Failed to connect to {self._dns_host}: {last}"  # type: ignore[arg-type]
                                 )


def _pool_classes(allow_loopback: bool) -> dict[str, type[HTTPConnectionPool]]:
    attrs = {"allow_loopback": allow_loopback}
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection),
                      attrs)
    http_pool = type("GuardedHTTPConnectionPool", (HTTPConnectionPool,),
                     {"ConnectionCls": http_conn})
    https_pool = type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,),
                      {"ConnectionCls": https_conn})
    return {"http": http_pool, "https": https_pool}


_POOLS = {flag: _pool_classes(flag) for flag in (False, True)}


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections refuse non-public addresses."""

    def __init__(self, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS[self.allow_loopback])
