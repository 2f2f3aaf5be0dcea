"""The strace reader and the traced runner can fail: they see and flag what they must."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.offline import harness
from tests.offline.egress import Attempt, parse_trace, violations, why_forbidden

# strace 6 output (-f, -qq; one line with -tt timestamps) from real runs, a few addresses changed.
CANNED = (Path(__file__).parent / "canned_strace.txt").read_text(encoding="utf-8")


def test_parse_joins_split_calls_and_reads_every_address() -> None:
    attempts = parse_trace(CANNED)
    assert len(attempts) == 18  # the NULL sendto and the signal line name no address
    first = attempts[0]
    assert first == Attempt(
        7568, "connect", "AF_UNIX", path="/var/run/nscd/socket",
        result="-1 ENOENT (No such file or directory)",
    )
    resumed = [a for a in attempts if a.pid in (7882, 7883)]
    assert [(a.host, a.port, a.result) for a in resumed] == [
        ("10.255.255.53", 53, "-1 ENETUNREACH (Network is unreachable)"),
        ("127.0.0.1", 8786, "0"),
    ]
    assert attempts[9].call == "sendmsg" and attempts[9].host == "192.0.2.1"
    assert attempts[8].result.startswith("-1 ENETUNREACH")  # not fooled by ") = " in the data
    assert attempts[12].path == "@abstract-name"
    assert attempts[16].host == "13.69.239.72"  # timestamps (-tt) are skipped
    assert attempts[-1].host == "198.51.100.7" and attempts[-1].result == "?"  # never resumed


def test_violations_flag_dns_outside_addresses_and_name_service_sockets() -> None:
    flagged = violations(parse_trace(CANNED))
    reasons = [line.split(":", 1)[0] for line in flagged]
    assert reasons == [
        "name-service lookup",  # nscd
        "DNS query",  # 10.255.255.53:53
        "DNS query",  # the resumed one
        "leaves the machine",  # 2001:db8::1
        "leaves the machine",  # ::ffff:10.0.0.1 (IPv4-mapped, not loopback)
        "DNS query",  # 8.8.8.8:53 by sendto
        "leaves the machine",  # 192.0.2.1 by sendmsg
        "DNS query",  # 127.0.0.53:53: loopback, still a lookup
        "name-service lookup",  # systemd-resolved
        "leaves the machine",  # 13.69.239.72
        "leaves the machine",  # 198.51.100.7, unfinished
    ]


def test_loopback_unix_and_kernel_sockets_are_allowed() -> None:
    allowed = [
        Attempt(1, "connect", "AF_INET", "127.0.0.1", 8786),
        Attempt(1, "connect", "AF_INET", "127.8.9.10", 80),
        Attempt(1, "connect", "AF_INET6", "::1", 8786),
        Attempt(1, "connect", "AF_INET6", "::ffff:127.0.0.1", 8786),
        Attempt(1, "connect", "AF_UNIX", path="/run/dbus/system_bus_socket"),
        Attempt(1, "sendto", "AF_NETLINK"),
        Attempt(1, "connect", "AF_UNSPEC"),
    ]
    assert [why_forbidden(a) for a in allowed] == [None] * len(allowed)
    assert why_forbidden(Attempt(1, "connect", "AF_INET", None, 443)) == "leaves the machine"


PROBE = """\
import os, pathlib, socket
for attempt in (lambda: socket.getaddrinfo("example.com", 80),
                lambda: socket.create_connection(("192.0.2.1", 80), timeout=2),
                lambda: socket.create_connection(("127.0.0.1", 9), timeout=2)):
    try:
        attempt()
    except OSError:
        pass
store = pathlib.Path(os.environ["HOME"], ".cache", "Microsoft", "DeveloperTools", ".onnxruntime")
store.mkdir(parents=True)
(store / "deviceid").write_text("x")
"""


@pytest.mark.slow
def test_a_traced_run_reports_lookups_connections_and_telemetry_files(tmp_path: Path) -> None:
    done = harness.start("probe", harness.python_argv("-c", PROBE), tmp_path).finish(120)
    assert done.returncode == 0, done.explain()
    reasons = {line.split(":", 1)[0] for line in done.forbidden}
    assert "DNS query" in reasons or "name-service lookup" in reasons, done.explain()
    assert any("192.0.2.1:80" in line for line in done.forbidden), done.explain()
    assert not any("127.0.0.1" in line for line in done.forbidden), done.explain()
    assert any(a.host == "127.0.0.1" and a.port == 9 for a in done.attempts)
    assert done.telemetry_files == ["home/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid"]
