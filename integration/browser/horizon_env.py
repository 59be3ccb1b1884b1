"""What the Horizon live-rows browser tests share (issue #6): the Django fixture under Apache
mod_wsgi with its Horizon-like instances (integration/tests/harness/: dashboard.py, horizon.py),
zenith in front of it, and headless Chromium logged in to the fixture through zenith.

zenith runs with `[realtime.auth]` against the fixture's user-session endpoint, a `[[watch]]`
`servers` entry polling `/dashboard/api/nova/servers/` every 500 ms per project, and the routes
`/socket.io/ realtime` and `/dashboard/ proxy dashboard inject=/socket.io/zenith-horizon.js`.
Apache's access log is how the tests count row updates and servers polls: every request that
reaches the dashboard is a line there.
"""
from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness.auth import auth_section  # conftest.py puts integration/tests on sys.path
from harness.dashboard import ApacheDashboard
from harness.horizon import INSTANCES_PAGE, SERVERS_API, servers_watch
from harness.processes import free_port
from harness.zenith import start_zenith
from testapp import identities  # harness.paths puts the fixture on sys.path

GLUE = "/socket.io/zenith-horizon.js"

ROUTES = f"""\
# host  path-prefix    action    target      options
*       /socket.io/    realtime
*       /dashboard/    proxy     dashboard   inject={GLUE}
"""

# The realtime engine still serves the glue, but no socket can connect: Horizon is on its own.
ROUTES_REALTIME_DOWN = f"""\
# host  path-prefix    action    target      options
*       {GLUE}         realtime
*       /socket.io/    respond   503 realtime is down
*       /dashboard/    proxy     dashboard   inject={GLUE}
"""


def zenith_config(apache: ApacheDashboard, port: int, watch: bool = True) -> dict:
    """The dashboard upstream, realtime auth for the browser's origin, and the servers watcher
    (harness.horizon.servers_watch: every 500 ms per project)."""
    config = {
        "routes": "routes",
        "listen": {"http": [f"127.0.0.1:{port}"]},
        "upstream": {"dashboard": {"servers": [f"127.0.0.1:{apache.port}"], "connect_timeout": "1s",
                                   "response_timeout": "10s"}},
        "realtime": {"allowed_origins": [f"http://127.0.0.1:{port}"], "auth": auth_section()},
        "log": {"level": "info", "access": True},
    }
    if watch:
        config["watch"] = [servers_watch()]
    return config


def start_horizon_zenith(apache: ApacheDashboard, port: int | None = None, watch: bool = True,
                         routes: str = ROUTES):
    port = port or free_port()
    return start_zenith(zenith_config(apache, port, watch), routes, port=port)


# ---------------------------------------------------------------------------------------------
# the browser


def new_browser(chromium: str, chromedriver: str, *extra_args: str) -> webdriver.Chrome:
    """A headless Chromium with a profile (and so cookies) of its own, and `extra_args`."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1100,900", "--no-first-run", "--disable-extensions",
                # 20 tabs of one page: background tabs must keep their timers and sockets going
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", *extra_args):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(15)
    return driver


def wait_until(driver, condition, timeout: float, what: str, poll: float = 0.05):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=poll).until(lambda d: condition())
    except Exception:
        raise AssertionError(f"{what} not within {timeout}s; console: {console(driver)}") from None


def console(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")]


def log_in(driver, base: str, user: str) -> None:
    """Log in through the fixture's login form, and wait until the login has been answered."""
    driver.get(base + "/dashboard/auth/login/")
    driver.find_element(By.ID, "id_username").send_keys(user)
    driver.find_element(By.ID, "id_password").send_keys(identities.USERS[user]["password"])
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(driver, lambda: "/auth/login/" not in driver.current_url, 10, f"login of {user}")


def open_instances(driver, base: str, query: str = "") -> None:
    driver.get(base + INSTANCES_PAGE + query)
    wait_until(driver, lambda: driver.execute_script("return !!document.querySelector('table#instances')"),
               10, "the instances table")


def wait_live(driver, timeout: float = 8.0) -> None:
    wait_until(driver, lambda: driver.execute_script("return !!(window.zenithHorizon && zenithHorizon.live)"),
               timeout, "the glue's watch being live")


def rows(driver) -> dict[str, dict]:
    """The table's rows by object id: row class, status text, checkbox state, progress bar."""
    return driver.execute_script("""
        const out = {};
        for (const tr of document.querySelectorAll('table#instances tbody tr[data-object-id]')) {
          const box = tr.querySelector('.table-row-multi-select');
          out[tr.getAttribute('data-object-id')] = {
            cls: tr.className, status: tr.querySelector('.status_column').textContent,
            checked: !!(box && box.checked), bar: !!tr.querySelector('.horizon-loading-bar')};
        }
        return out;""")


def footer(driver) -> str:
    return driver.execute_script("return document.querySelector('table#instances tfoot .table_count').textContent")


def glue_stats(driver) -> dict:
    return driver.execute_script(
        "const z = window.zenithHorizon; return z ? {live: z.live, error: z.error, held: z.heldPolls,"
        " fetches: z.rowFetches, events: z.events} : null;")


# ---------------------------------------------------------------------------------------------
# Apache's access log


def row_updates(apache: ApacheDashboard, mark: int) -> list[str]:
    return [line for line in apache.log_since(mark) if "action=row_update" in line]


def servers_polls(apache: ApacheDashboard, mark: int) -> list[str]:
    return [line for line in apache.log_since(mark) if f'"{SERVERS_API}"' in line]
