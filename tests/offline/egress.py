"""Read an ``strace -f -e trace=connect,sendto,sendmsg,sendmmsg`` log: who tried to reach what.

``parse_trace`` turns each traced call that names a socket address into an ``Attempt`` (calls
split by strace into ``<unfinished ...>`` / ``<... resumed>`` halves are joined first);
``violations`` keeps the ones a site's "nothing leaves" promise forbids: any Internet address
that is not loopback, any port 53 (a DNS query, even to a local resolver such as 127.0.0.53),
and any Unix socket of a name service (nscd, systemd-resolved), which is a lookup too.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

TRACED_CALLS = "connect,sendto,sendmsg,sendmmsg"
DNS_PORT = 53
LOOKUP_SOCKETS = frozenset(
    {
        "/var/run/nscd/socket",
        "/run/nscd/socket",
        "/run/systemd/resolve/io.systemd.Resolve",
        "/run/systemd/resolve/io.systemd.Resolve.Monitor",
    }
)

_CALL = re.compile(r"^(?P<pid>\d+)\s+(?:[\d:.]+\s+)?(?P<call>\w+)\((?P<rest>.*)$")
_UNFINISHED = re.compile(r"^(?P<pid>\d+)\s+(?:[\d:.]+\s+)?(?P<head>.*) <unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(?P<pid>\d+)\s+(?:[\d:.]+\s+)?<\.\.\. (?P<call>\w+) resumed>(?P<tail>.*)$")
_SOCKADDR = re.compile(r"\{sa_family=(?P<family>AF_\w+)(?P<fields>[^{}]*)\}")
_PORT = re.compile(r"sin6?_port=htons\((?P<port>\d+)\)")
_ADDR = re.compile(r'inet_addr\("(?P<v4>[^"]+)"\)|inet_pton\(AF_INET6, "(?P<v6>[^"]+)"')
_PATH = re.compile(r'sun_path=(?P<abstract>@?)"(?P<path>(?:[^"\\]|\\.)*)"')
_RESULT = re.compile(r".*\)\s+=\s+(?P<result>.+)$")


@dataclass(frozen=True)
class Attempt:
    """One traced call that named a socket address."""

    pid: int
    call: str
    family: str
    host: str | None = None
    port: int | None = None
    path: str | None = None
    result: str = ""

    def __str__(self) -> str:
        where = self.path if self.family == "AF_UNIX" else f"{self.host}:{self.port}"
        return f"pid {self.pid} {self.call}({self.family} {where}) = {self.result}"


def _joined_lines(text: str) -> list[str]:
    """Each call on one line: ``<unfinished ...>`` halves joined with their ``resumed>`` ends."""
    pending: dict[str, str] = {}
    lines = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if unfinished := _UNFINISHED.match(line):
            pending[unfinished["pid"]] = f"{unfinished['pid']} {unfinished['head']}"
        elif resumed := _RESUMED.match(line):
            head = pending.pop(resumed["pid"], f"{resumed['pid']} {resumed['call']}(")
            lines.append(head + resumed["tail"])
        else:
            lines.append(line)
    return lines + list(pending.values())  # a call the trace ended inside still counts


def _attempt(pid: int, call: str, family: str, fields: str, result: str) -> Attempt:
    if family == "AF_UNIX":
        path = _PATH.search(fields)
        name = "" if path is None else ("@" if path["abstract"] else "") + path["path"]
        return Attempt(pid, call, family, path=name, result=result)
    port = _PORT.search(fields)
    address = _ADDR.search(fields)
    host = None if address is None else address["v4"] or address["v6"]
    number = None if port is None else int(port["port"])
    return Attempt(pid, call, family, host, number, None, result)


def parse_trace(text: str) -> list[Attempt]:
    """Every traced call that names a socket address, in trace order (``NULL`` ones skipped)."""
    attempts = []
    for line in _joined_lines(text):
        call = _CALL.match(line)
        if call is None:
            continue
        found = _RESULT.search(call["rest"])
        result = found["result"].strip() if found else "?"
        pid, name = int(call["pid"]), call["call"]
        for address in _SOCKADDR.finditer(call["rest"]):
            attempts.append(_attempt(pid, name, address["family"], address["fields"], result))
    return attempts


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def why_forbidden(attempt: Attempt) -> str | None:
    """The reason ``attempt`` breaks the offline promise, or None when it stays on the machine."""
    if attempt.family in ("AF_INET", "AF_INET6"):
        if attempt.port == DNS_PORT:
            return "DNS query"
        if not _is_loopback(attempt.host):
            return "leaves the machine"
        return None
    if attempt.family == "AF_UNIX" and attempt.path in LOOKUP_SOCKETS:
        return "name-service lookup"
    return None  # AF_UNIX IPC, AF_NETLINK (kernel), AF_UNSPEC (a UDP socket disconnecting)


def violations(attempts: list[Attempt]) -> list[str]:
    """One line per forbidden attempt: the reason, then the call."""
    return [f"{reason}: {a}" for a in attempts if (reason := why_forbidden(a)) is not None]
