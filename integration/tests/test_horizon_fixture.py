"""The dashboard fixture's Horizon-like instances, straight to Apache (no zenith): the servers REST
call, the instances table markup and its row updates, which the live-rows glue and Zenith's
shared polling rely on (issue #6). Servers are set with harness.horizon (servers.json)."""
from __future__ import annotations

import html
import re

import pytest
import requests

from harness.auth import AJAX, login
from harness.horizon import (INSTANCES_PAGE, SERVERS_API, add_server, make_server, read_servers,
                             remove_server, row_update_path, servers_path, set_server, set_servers)

ROW_RE = re.compile(r'<tr class="ajax-update[^"]*"[^>]*>.*?</tr>', re.S)


def rows_of(page: str) -> list[str]:
    return ROW_RE.findall(page)


def attrs_of(row: str) -> dict:
    tag = row[: row.index(">")]
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}


def status_cell(row: str) -> str:
    m = re.search(r'<td class="[^"]*status_column[^"]*">([^<]*)</td>', row)
    assert m, row
    return m.group(1)


@pytest.fixture
def alice(apache):
    return login(apache.url, "alice")


@pytest.fixture
def servers(apache):
    """alice's project gets three servers (building, active, shut off), bob's one; all cleared after."""
    a = [make_server("proj-a", "web-1", "BUILD", task_state="spawning", power_state=0),
         make_server("proj-a", "db-1", "ACTIVE"),
         make_server("proj-a", "old-1", "SHUTOFF", power_state=4)]
    b = [make_server("proj-b", "bob-vm", "ACTIVE")]
    set_servers(apache, "proj-a", a)
    set_servers(apache, "proj-b", b)
    yield {"proj-a": a, "proj-b": b}
    servers_path(apache).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# GET api/nova/servers/


def test_servers_api_needs_login_then_ajax(apache, alice, servers):
    r = requests.get(apache.url + SERVERS_API, headers=AJAX, timeout=5)
    assert r.status_code == 401 and r.json() == "not logged in"
    r = alice.http.get(apache.url + SERVERS_API, timeout=5)
    assert r.status_code == 400 and r.json() == "request must be AJAX"


def test_servers_api_lists_the_sessions_project_only(apache, alice, servers):
    r = alice.http.get(apache.url + SERVERS_API, headers=AJAX, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    items = r.json()["items"]
    assert items == servers["proj-a"]
    assert {s["tenant_id"] for s in items} == {"proj-a"}
    assert set(items[0]) >= {"id", "name", "status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state", "tenant_id"}
    bob = login(apache.url, "bob")
    assert bob.http.get(apache.url + SERVERS_API, headers=AJAX, timeout=5).json()["items"] == servers["proj-b"]


def test_servers_api_follows_the_file(apache, alice, servers):
    """Every request reads servers.json again; no file means no servers."""
    web = servers["proj-a"][0]
    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    items = alice.http.get(apache.url + SERVERS_API, headers=AJAX, timeout=5).json()["items"]
    assert items[0]["status"] == "ACTIVE" and items[0]["OS-EXT-STS:task_state"] is None
    assert read_servers(apache)["proj-a"][0]["OS-EXT-STS:power_state"] == 1
    servers_path(apache).unlink()
    assert alice.http.get(apache.url + SERVERS_API, headers=AJAX, timeout=5).json() == {"items": []}


# ---------------------------------------------------------------------------------------------
# GET project/instances/


def test_instances_page_needs_login(apache, servers):
    r = requests.get(apache.url + INSTANCES_PAGE, allow_redirects=False, timeout=5)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/dashboard/auth/login/?next=")
    r = requests.get(apache.url + row_update_path(servers["proj-a"][0]["id"]), headers=AJAX,
                     allow_redirects=False, timeout=5)
    assert r.status_code == 401, "Horizon answers AJAX calls of a lost session with 401"


def test_instances_page_markup(apache, alice, servers):
    r = alice.http.get(apache.url + INSTANCES_PAGE, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    page = r.text
    assert '<table id="instances" class="table table-bordered table-hover datatable">' in page
    rows = rows_of(page)
    assert len(rows) == 3
    expected = {"web-1": ("warning", "Build"), "db-1": ("status_up", "Active"), "old-1": ("status_down", "Shutoff")}
    for row, server in zip(rows, servers["proj-a"]):
        a = attrs_of(row)
        sid = server["id"]
        row_class, status = expected[server["name"]]
        assert a["class"] == "ajax-update " + row_class
        assert a["id"] == f"instances__row__{sid}" and a["data-object-id"] == sid
        assert a["data-display"] == server["name"] and a["data-update-interval"] == "2500"
        assert a["data-update-url"] == row_update_path(sid)
        assert f'data-update-url="/dashboard/project/instances/?action=row_update&amp;table=instances&amp;obj_id={sid}"' in row
        assert '<input type="checkbox" class="table-row-multi-select"' in row
        assert status_cell(row) == status
    assert "Spawning" in rows[0] and "No State" in rows[0] and "Shut Down" in rows[2]
    assert '<tfoot><tr><td colspan="5"><span class="table_count">Displaying 3 items</span>' in page
    script = '<script src="/dashboard/static/horizon-like.js"></script>'
    assert script in page and page.index(script) > page.index("</table>")
    assert page.rstrip().endswith("</body></html>") and page.count("</body>") == 1


def test_instances_page_shows_the_sessions_project_only(apache, servers):
    page = login(apache.url, "bob").http.get(apache.url + INSTANCES_PAGE, timeout=5).text
    assert [attrs_of(r)["data-object-id"] for r in rows_of(page)] == [servers["proj-b"][0]["id"]]
    assert all(s["id"] not in page for s in servers["proj-a"])


def test_task_state_makes_an_active_row_transitional(apache, alice, servers):
    db = servers["proj-a"][1]
    set_server(apache, "proj-a", db["id"], task_state="rebooting")
    row = alice.http.get(apache.url + row_update_path(db["id"]), headers=AJAX, timeout=5).text
    assert attrs_of(row)["class"] == "ajax-update warning" and "Rebooting" in row


def test_empty_project_has_an_empty_row(apache, alice, servers):
    set_servers(apache, "proj-a", [])
    page = alice.http.get(apache.url + INSTANCES_PAGE, timeout=5).text
    assert rows_of(page) == [] and "No items to display." in page and "Displaying 0 items" in page


# ---------------------------------------------------------------------------------------------
# ?action=row_update


def test_row_update_is_the_rendered_row(apache, alice, servers):
    web = servers["proj-a"][0]
    page_row = rows_of(alice.http.get(apache.url + INSTANCES_PAGE, timeout=5).text)[0]
    r = alice.http.get(apache.url + row_update_path(web["id"]), headers=AJAX, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.text.strip() == page_row, "the same markup as in the page"

    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    row = alice.http.get(apache.url + row_update_path(web["id"]), headers=AJAX, timeout=5).text.strip()
    assert attrs_of(row)["class"] == "ajax-update status_up"
    assert status_cell(row) == "Active" and "Running" in row and row != page_row


def test_row_update_without_ajax_header_is_the_page(apache, alice, servers):
    r = alice.http.get(apache.url + row_update_path(servers["proj-a"][0]["id"]), timeout=5)
    assert r.status_code == 200 and "<table id=\"instances\"" in r.text and len(rows_of(r.text)) == 3


def test_row_update_of_a_gone_server_is_404(apache, alice, servers):
    old = servers["proj-a"][2]
    remove_server(apache, "proj-a", old["id"])
    r = alice.http.get(apache.url + row_update_path(old["id"]), headers=AJAX, timeout=5)
    assert r.status_code == 404
    # another project's server is gone as far as this session is concerned
    bob_vm = servers["proj-b"][0]
    assert alice.http.get(apache.url + row_update_path(bob_vm["id"]), headers=AJAX, timeout=5).status_code == 404
    # and a server added later has its row
    new = add_server(apache, "proj-a", make_server("proj-a", "new-1", "BUILD", task_state="scheduling"))
    row = alice.http.get(apache.url + row_update_path(new["id"]), headers=AJAX, timeout=5).text
    assert attrs_of(row)["data-object-id"] == new["id"] and "Scheduling" in row


def test_horizon_like_script_is_served_without_login(apache):
    r = requests.get(apache.url + "/dashboard/static/horizon-like.js", timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/javascript")
    for name in ("horizon.datatables", "update_footer_count", "validate_button", "addInitFunction",
                 "setTimeout(horizon.datatables.update", "decay_constant"):
        assert name in r.text
