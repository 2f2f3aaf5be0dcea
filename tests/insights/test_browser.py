"""The report in a real browser: headless Chromium (Debian package) in a loopback-only network
namespace opens the file, runs its script, renders its charts, logs nothing to the console and
requests nothing from the network (Chromium's own net log, filtered to the page's requests).
A control page with a broken script and a remote image proves each check can fail."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_assist.cli import main
from tests.insights.conftest import archive_paths
from tests.offline.harness import namespace_prefix

pytestmark = pytest.mark.slow
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
]  # fmt: skip
CHART_BLUE = (0x4E, 0x79, 0xA7)
LOOPBACK = 'ip link set lo up && exec "$@"'  # run the command with loopback only


@dataclass
class Visit:
    dom: str
    console: list[str]
    requests: list[str]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed (scripts/setup.sh installs the Debian package)")
    return found


def open_page(page: Path, work: Path, *extra: str) -> Visit:
    """Open ``page`` offline; its DOM after scripts ran, console lines and network requests."""
    net_log = work / "net.json"
    command = [chromium(), *FLAGS, f"--user-data-dir={work / 'profile'}",
               f"--log-net-log={net_log}", *extra, "--dump-dom", page.as_uri()]  # fmt: skip
    done = subprocess.run(
        [*namespace_prefix(), "sh", "-c", LOOPBACK, "sh", *command],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Visit(done.stdout, console, page_requests(net_log))


def page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for (Chromium's own update / time pings, isolated under another
    key, are left out)."""
    log = json.loads(net_log.read_text())
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        if "file://" in params.get("network_isolation_key", "") and not params["url"].startswith(
            ("file:", "data:")
        ):
            urls.append(params["url"])
    return urls


def screenshot(page: Path, work: Path, out: Path, width: int = 1200, height: int = 1500) -> None:
    command = [chromium(), *FLAGS, f"--user-data-dir={work / 'shot-profile'}",
               f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()]  # fmt: skip
    subprocess.run([*namespace_prefix(), "sh", "-c", LOOPBACK, "sh", *command],
                   capture_output=True, timeout=120, check=True)  # fmt: skip


def chart_pixels(png: Path) -> tuple[int, int]:
    """(pixels of the charts' blue, pixels that are not white), on a 4-pixel grid."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull()
    blue = ink = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            color = image.pixelColor(x, y)
            rgb = (color.red(), color.green(), color.blue())
            ink += rgb != (255, 255, 255)
            blue += all(abs(a - b) <= 8 for a, b in zip(rgb, CHART_BLUE, strict=True))
    return blue, ink


def test_the_checks_catch_a_broken_page(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><p>x</p><img src="https://example.com/a.png">'
        "<script>missingFunction();</script>"
    )
    visit = open_page(bad, tmp_path)
    assert any("Uncaught ReferenceError" in line for line in visit.console)
    assert visit.requests == ["https://example.com/a.png"]


def test_the_report_renders_offline_with_no_error_and_no_request(
    archive: Path, tmp_path: Path
) -> None:
    report = archive / "report.html"
    main(["report", *map(str, archive_paths(archive)), "--out", str(report)])
    visit = open_page(report, tmp_path)
    assert visit.console == []
    assert visit.requests == []
    assert visit.dom.count("<svg") >= 5 and 'class="bar"' in visit.dom
    assert '<polygon class="band"' in visit.dom  # the trend's uncertainty band
    shot = tmp_path / "report.png"
    screenshot(report, tmp_path, shot)
    blue, ink = chart_pixels(shot)
    assert blue > 50, "no chart drawn in the screenshot"
    assert ink > 2000
