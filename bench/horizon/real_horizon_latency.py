#!/usr/bin/env python3
"""Time from a change in Nova to the row changing in a real browser, on the real Horizon 27 (issue 15).

Run by hand (as root, like the browser tests), not in CI:

    python3 bench/horizon/real_horizon_latency.py                # 100 changes
    python3 bench/horizon/real_horizon_latency.py --changes 200

The setup of integration/browser/test_real_horizon_notifications.py: ../shared/horizon's unchanged
Horizon 27 under Apache mod_wsgi (integration/tests/harness/real_horizon.py), its stub Nova
publishing Nova's versioned notifications to a private rabbitmq-server, zenith in front with the
glue, the servers watcher at 30 s (idle 5 m) and `[[notify]] watch = "servers"`; headless Chromium
logged in as `demo` on the instances page. Each change toggles demo-vm-1 between ACTIVE and SHUTOFF
through the stub's control API (`POST /_stub/servers/<id>`, which publishes `instance.update`
before it answers); the time counted runs from just before that request to the moment the glue
swapped the row in the page (a MutationObserver notes `Date.now()` when the row's element is
replaced; one clock, one machine). Changes are 0.6-0.8 s apart, after the previous row swap.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "integration" / "tests"), str(REPO / "integration" / "browser")]
from horizon_env import new_browser, wait_live, wait_until  # noqa: E402
from real_horizon_env import log_in  # noqa: E402
from harness.processes import free_port  # noqa: E402
from harness.rabbitmq import RabbitMQ  # noqa: E402
from harness.real_horizon import (ALT_VM_1, DEMO_VM_1, INSTANCES_PAGE, ROUTES, RealHorizon, available,  # noqa: E402
                                  row_updates, servers_polls, zenith_config)
from harness.zenith import start_zenith  # noqa: E402

OBSERVE = """
const id = arguments[0];
window.__swaps = [];
const table = document.querySelector('table#instances');
let last = table.querySelector('tr[data-object-id="' + id + '"]');
new MutationObserver(() => {
  const row = table.querySelector('tr[data-object-id="' + id + '"]');
  if (row && row !== last) { last = row; window.__swaps.push(Date.now()); }
}).observe(table, {subtree: true, childList: true});
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    if available():
        print(available(), file=sys.stderr)
        return 2
    broker = RabbitMQ().start()
    hz = zenith = page = None
    fd, url_file = tempfile.mkstemp(prefix="zenith-bench-transport-url-")
    os.write(fd, (broker.url + "\n").encode())
    os.close(fd)
    try:
        hz = RealHorizon(transport_url=broker.url).start()
        hz.reset()
        hz.change_server(ALT_VM_1, name="alt-vm-1")  # Nova's exchange declared, the stub's notifier connected
        port = free_port()
        zenith = start_zenith(zenith_config(hz, port, url_file), ROUTES, port=port)
        zenith.wait_stderr("AMQP consuming", timeout=20)
        page = new_browser(os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                           os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        page.set_page_load_timeout(60)
        log_in(page, zenith.url, "demo")
        hz.warm(page.get_cookie("sessionid")["value"])  # both mod_wsgi daemon processes past their first request
        page.get(zenith.url + INSTANCES_PAGE)
        wait_live(page, timeout=30)
        time.sleep(5.0)  # the glue's first row fetch and the watcher's first poll
        page.execute_script(OBSERVE, DEMO_VM_1)
        mark = hz.log_mark()
        took: list[float] = []
        missed = 0
        status = "ACTIVE"
        for _ in range(args.changes):
            status = "SHUTOFF" if status == "ACTIVE" else "ACTIVE"
            before = page.execute_script("return window.__swaps.length")
            sent = time.time() * 1000
            hz.change_server(DEMO_VM_1, status=status, task_state=None)
            try:
                wait_until(page, lambda: page.execute_script("return window.__swaps.length") > before, 10,
                           "the row's swap", poll=0.02)
            except AssertionError:
                missed += 1
                continue
            took.append(page.execute_script("return window.__swaps[arguments[0]]", before) - sent)
            time.sleep(0.6 + (len(took) % 3) * 0.1)
        lines = hz.log_since(mark)
        print(f"{len(took)} changes, {missed} missed; Horizon saw {len(servers_polls(lines))} servers polls and "
              f"{len(row_updates(lines))} row updates, {len(lines)} requests in all")
        if took:
            print(f"change -> row swapped in Chromium: p50 {percentile(took, 0.5):.0f} ms, p99 {percentile(took, 0.99):.0f} ms, "
                  f"min {min(took):.0f} ms, max {max(took):.0f} ms, mean {statistics.mean(took):.0f} ms")
        return 1 if missed else 0
    finally:
        if page is not None:
            page.quit()
        if zenith is not None:
            zenith.stop()
        if hz is not None:
            hz.stop()
        broker.stop()
        os.unlink(url_file)


if __name__ == "__main__":
    sys.exit(main())
