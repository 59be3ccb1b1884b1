"""What the browser tests check the same way whichever client script a page uses (zenith.js or
the official socket.io client): a page through a round-robin balancer over cluster nodes, and a
page whose connection is cut under it and recovered. The page keeps its state in `window.__news`
(events received), `window.__subscribed` (the subscribe ack), `window.__connects` (`{id,
recovered}` per connect) and `window.pageSocket`."""
from __future__ import annotations

import time

from selenium.webdriver.support.ui import WebDriverWait

from harness.cluster import forwards


def wait(page, script: str, timeout: float = 10) -> None:
    """Until `script` (an expression) is truthy in the page."""
    WebDriverWait(page, timeout, poll_frequency=0.05).until(lambda d: d.execute_script("return " + script))


def check_events_from_every_node(page, nodes, room: str = "lobby", count: int = 12) -> None:
    """The subscribed page gets `count` events published round-robin on `nodes`, each once, and
    the balancer did send some of its session's requests to a node that does not own it."""
    wait(page, "window.__subscribed && window.__subscribed.ok === true")
    for i in range(count):
        nodes[i % len(nodes)].publish_ok({"rooms": [room], "event": "news", "data": i})
        time.sleep(0.05)
    wait(page, f"window.__news.length >= {count}")
    time.sleep(0.3)
    assert sorted(page.execute_script("return window.__news;")) == list(range(count))
    assert page.execute_script("return window.pageSocket.connected;")
    assert forwards(nodes) > 0, "the balancer never sent the session's requests to another node"


def check_recovery_after_a_cut(page, rt, relay, room: str = "r") -> None:
    """Events published while the page's connection is cut reach it once it is back, in order,
    and its socket is the same one, recovered."""
    wait(page, "window.__subscribed && window.__subscribed.ok === true")
    rt.publish_ok({"rooms": [room], "event": "news", "data": 1})
    wait(page, "window.__news.length === 1")
    relay.cut()
    time.sleep(0.1)
    for data in (2, 3, 4):  # three events while the page is away
        rt.publish_ok({"rooms": [room], "event": "news", "data": data})
    wait(page, "window.__connects.length === 2")
    rt.publish_ok({"rooms": [room], "event": "news", "data": 5})
    wait(page, "window.__news.length >= 5")
    time.sleep(0.3)
    connects = page.execute_script("return window.__connects;")
    assert connects[1] == {"id": connects[0]["id"], "recovered": True}, connects
    assert page.execute_script("return window.__news;") == [1, 2, 3, 4, 5], "each once, in order"
