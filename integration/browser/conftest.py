"""Fixtures for the browser tests: `zenith demo` on a free loopback port, and headless Chromium;
for the Horizon live-rows tests also the Django fixture under Apache mod_wsgi (`apache`) and
browsers with profiles of their own (`browsers`), see horizon_env.py.

Needs Debian's `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver) and
`pip install -r integration/browser/requirements.txt`. `ZENITH_BIN` picks the binary (default
.build/debug/zenith of this checkout), `CHROMIUM` and `CHROMEDRIVER` the browser and its driver.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# the integration tests' harness (integration/tests/harness/), also for horizon_env and the tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from harness.paths import ZENITH_BIN  # noqa: E402
from harness.processes import free_port  # noqa: E402
from harness.rabbitmq import broker  # noqa: E402,F401 (a fixture: a RabbitMQ node per test module)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Demo:
    """`zenith demo --port P`, which can be killed and started again on the same port."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 15.0) -> None:
        if not os.path.exists(ZENITH_BIN):
            raise RuntimeError(f"zenith binary not found at {ZENITH_BIN} (build it or set ZENITH_BIN)")
        self.starts += 1
        log = self.workdir / f"demo-{self.starts}.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen([ZENITH_BIN, "demo", "--port", str(self.port)], stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"zenith demo exited with {self.proc.returncode}:\n{log.read_text(errors='replace')}")
            text = log.read_text(errors="replace")
            if re.search(rf"http://127\.0\.0\.1:{self.port}/", text) and self._listening():
                return
            time.sleep(0.05)
        raise RuntimeError(f"zenith demo did not come up on port {self.port}:\n{log.read_text(errors='replace')}")

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        """Kills the process at once (SIGKILL: no goodbye to the clients), and waits for it."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture
def demo():
    workdir = Path(tempfile.mkdtemp(prefix="zenith-browser-"))
    d = Demo(free_port(), workdir)
    try:
        d.start()
        yield d
    finally:
        d.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            raise RuntimeError(f"{path} not found: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1100,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(15)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser):
    """The browser, left on a blank page after the test (which closes the socket of the demo page)."""
    try:
        yield browser
    finally:
        browser.get("about:blank")
        browser.get_log("browser")  # drop this test's console lines


@pytest.fixture(scope="session")
def apache(request):
    """The dashboard fixture under Apache mod_wsgi (integration/tests/harness/dashboard.py), for the Horizon tests."""
    from horizon_env import ApacheDashboard

    dashboard = ApacheDashboard()
    request.addfinalizer(dashboard.cleanup)
    return dashboard.start()


@pytest.fixture
def browsers(request):
    """`browsers(*args)` starts a headless Chromium with its own cookies (and these command line
    arguments); each is quit after the test."""
    from horizon_env import new_browser

    def start(*args: str):
        driver = new_browser(CHROMIUM, CHROMEDRIVER, *args)
        request.addfinalizer(driver.quit)
        return driver

    return start
