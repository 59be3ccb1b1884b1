"""zenith.js in a real browser: the `zenith demo` page in headless Chromium.

The page (Sources/zenith/Demo/DemoPage.swift) loads /socket.io/zenith.js
(Sources/ZenithRealtime/Scripts/ZenithClientScript.swift), connects, lists `tick` events and sends
`say` messages that the demo server broadcasts back as ticks.
"""
from __future__ import annotations

import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def text_of(driver, css: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", css)


def wait_text(driver, css: str, expected: str, timeout: float) -> None:
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: text_of(d, css) == expected)
    except Exception:
        raise AssertionError(f"{css} is {text_of(driver, css)!r}, not {expected!r} after {timeout}s;"
                             f" note: {text_of(driver, '#note')!r}; console: {console(driver)}") from None


def events(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#events li')).map(li => li.textContent);")


def console(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")]


def count_ticks(driver) -> None:
    """Counts the ticks the page's socket receives from now on, in window.__ticks."""
    driver.execute_script("window.__ticks = 0; window.demoSocket.on('tick', () => { window.__ticks++; });")


def ticks(driver) -> int:
    return driver.execute_script("return window.__ticks;")


def wait_ticks(driver, n: int, timeout: float) -> None:
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: ticks(d) >= n)
    except Exception:
        raise AssertionError(f"{ticks(driver)} ticks, not {n}, within {timeout}s;"
                             f" note: {text_of(driver, '#note')!r}") from None


def say(driver, message: str) -> None:
    box = driver.find_element(By.ID, "say-text")
    box.clear()
    box.send_keys(message)
    driver.find_element(By.ID, "say-send").click()


def wait_event_containing(driver, message: str, timeout: float) -> None:
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(
            lambda d: any(message in e for e in events(d)))
    except Exception:
        raise AssertionError(f"no event with {message!r} within {timeout}s: {events(driver)}") from None


def test_websocket_ticks_and_say(page, demo):
    page.get(demo.url)
    assert page.title == "Zenith demo"
    wait_text(page, "#state", "connected", 10)
    wait_text(page, "#transport", "websocket", 10)  # started on polling, upgraded
    count_ticks(page)
    wait_ticks(page, 2, 5)
    assert len(events(page)) >= 2
    assert page.execute_script("return window.demoSocket.id") == text_of(page, "#sid")

    message = "hello from the browser " + uuid.uuid4().hex[:8]
    say(page, message)
    wait_event_containing(page, message, 5)
    WebDriverWait(page, 5).until(lambda d: text_of(d, "#say-status") == "Sent.")  # the server's ack {"ok":true}

    # acks from the server for the client's own emits, through the subscribe helper
    ack = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.demoSocket.subscribe('room-a').then(done, e => done('error: ' + e));")
    assert ack == {"ok": True}

    time.sleep(1.5)  # the list keeps at most 20 entries and newest first
    items = events(page)
    assert 2 <= len(items) <= 20
    assert all("#" in item for item in items)
    assert page.execute_script("return window.demoSocket.transport") == "websocket"
    severe = [line for line in console(page) if "SEVERE" in line or "Uncaught" in line]
    assert severe == [], severe


def test_polling_only(page, demo):
    page.get(demo.url + "?transports=polling")
    wait_text(page, "#state", "connected", 10)
    wait_text(page, "#transport", "polling", 1)
    count_ticks(page)
    wait_ticks(page, 2, 5)
    message = "over long-polling " + uuid.uuid4().hex[:8]
    say(page, message)
    wait_event_containing(page, message, 5)
    WebDriverWait(page, 5).until(lambda d: text_of(d, "#say-status") == "Sent.")
    assert text_of(page, "#transport") == "polling"  # never upgraded
    severe = [line for line in console(page) if "SEVERE" in line or "Uncaught" in line]
    assert severe == [], severe


def test_reconnects_after_restart(page, demo):
    page.get(demo.url)
    wait_text(page, "#state", "connected", 10)
    wait_text(page, "#transport", "websocket", 10)
    page.execute_script(
        "window.demoSocket.subscribe('room-b'); window.__emits = [];"
        "const emit = window.demoSocket.emit;"  # records what the client sends from now on
        "window.demoSocket.emit = function (...args) { window.__emits.push(args[0] + ' ' + args[1]);"
        " return emit.apply(this, args); };")
    first_id = text_of(page, "#sid")
    count_ticks(page)
    wait_ticks(page, 1, 5)

    demo.kill()
    wait_text(page, "#state", "disconnected", 5)
    assert text_of(page, "#transport") == "none"
    time.sleep(1.0)  # a few reconnection attempts fail meanwhile
    count_ticks(page)

    demo.start()
    wait_text(page, "#state", "connected", 15)  # backoff is still short after a few attempts
    wait_text(page, "#transport", "websocket", 10)
    assert text_of(page, "#sid") != first_id  # a new session
    wait_ticks(page, 2, 5)  # ticks resume
    # the room subscribed before the restart was asked for again on the new session
    assert page.execute_script("return window.__emits") == ["subscribe room-b"]
