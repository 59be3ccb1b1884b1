"""The `inject=` route option: HTML pages of the dashboard get Zenith's script tag on their way
through, each case compared with the same request sent straight to Apache."""
import gzip
import subprocess

import pytest

from harness.certificates import make_certificate
from harness.metrics import metric, scrape
from harness.processes import free_port, wait_for_port
from harness.raw_http import Conn, build_request, http_request
from harness.zenith import base_config, start_zenith

SCRIPT = "/socket.io/zenith-horizon.js"
TAG = f'<script src="{SCRIPT}"></script>'.encode()
INJECT_HOST = "inject.example"
PLAIN_HOST = "dash.example"
ROUTES = f"""\
{INJECT_HOST}  /dashboard/  proxy  dashboard  inject={SCRIPT}
*              /            proxy  dashboard
"""
# What a browser sends when it navigates to a page.
NAVIGATION = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
              "Accept-Encoding": "gzip, deflate, br"}
# Headers that describe one connection or one moment, not the page.
PER_CONNECTION = {"date", "connection", "keep-alive", "transfer-encoding"}


@pytest.fixture(scope="module")
def inject_zenith(apache, tmp_path_factory):
    """Zenith with the inject route for INJECT_HOST only, over HTTP/1.1, TLS (HTTP/2) and metrics."""
    directory = tmp_path_factory.mktemp("inject")
    cert, key = make_certificate(directory)
    http_port, https_port, metrics_port = free_port(), free_port(), free_port()
    cfg = base_config(apache)
    cfg["listen"] = {"http": [f"127.0.0.1:{http_port}"], "https": [f"127.0.0.1:{https_port}"]}
    cfg["tls"] = {"certificate": str(cert), "key": str(key)}
    cfg["metrics"] = {"listen": f"127.0.0.1:{metrics_port}"}
    z = start_zenith(cfg, ROUTES, port=http_port)
    try:
        wait_for_port(https_port, 10, z.proc, "zenith https")
        wait_for_port(metrics_port, 10, z.proc, "zenith metrics")
        z.https_port, z.metrics_port = https_port, metrics_port
        yield z
    finally:
        z.stop()


def with_tag(body: bytes) -> bytes:
    """`body` with the tag right before its first `</body>` (any case), or at its end."""
    at = body.lower().find(b"</body>")
    return body + TAG if at < 0 else body[:at] + TAG + body[at:]


def get(port, path, method="GET", host=INJECT_HOST, headers=None):
    return http_request(port, method, path, NAVIGATION if headers is None else headers, host=host)


def page_headers(resp) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in resp.headers if k.lower() not in PER_CONNECTION)


@pytest.mark.parametrize("kind", ["sized", "large"])
def test_sized_page_gets_the_tag_before_its_first_closing_body(apache, inject_zenith, kind):
    direct = get(apache.port, f"/dashboard/html/{kind}")
    via = get(inject_zenith.port, f"/dashboard/html/{kind}")
    assert direct.status == via.status == 200
    assert via.body == with_tag(direct.body)
    assert via.body.count(TAG) == 1
    assert int(via.header("Content-Length")) == len(direct.body) + len(TAG) == len(via.body)
    assert via.header("Content-Type") == direct.header("Content-Type")


def test_closing_body_in_a_script_string_or_a_comment_is_not_taken(apache, inject_zenith):
    direct = get(apache.port, "/dashboard/html/tricky")
    via = get(inject_zenith.port, "/dashboard/html/tricky")
    assert direct.status == via.status == 200
    real = direct.body.rfind(b"</body>")
    assert via.body == direct.body[:real] + TAG + direct.body[real:]
    assert int(via.header("Content-Length")) == len(via.body)


def test_streamed_page_with_a_split_closing_tag_stays_chunked(apache, inject_zenith):
    direct = get(apache.port, "/dashboard/html/streamed")
    assert direct.chunked and b"</BODY>" in direct.body
    with Conn(inject_zenith.port) as c:
        # Two responses on one connection: the second is read right only if the first was framed right.
        for _ in range(2):
            c.send(build_request("GET", "/dashboard/html/streamed", NAVIGATION, host=INJECT_HOST))
            via = c.read_response()
            assert via.status == 200 and via.chunked and not via.has_header("Content-Length")
            assert via.body == with_tag(direct.body)
            assert via.body.endswith(TAG + b"</BODY></html>\n")


def test_page_without_closing_body_gets_the_tag_at_its_end(apache, inject_zenith):
    direct = get(apache.port, "/dashboard/html/noend")
    via = get(inject_zenith.port, "/dashboard/html/noend")
    assert via.body == direct.body + TAG
    assert int(via.header("Content-Length")) == len(via.body)


@pytest.mark.parametrize("kind", ["json", "missing"])
def test_answers_that_are_not_pages_pass_unchanged(apache, inject_zenith, kind):
    direct = get(apache.port, f"/dashboard/html/{kind}")
    via = get(inject_zenith.port, f"/dashboard/html/{kind}")
    assert via.status == direct.status
    assert via.body == direct.body and TAG not in via.body
    assert page_headers(via) == page_headers(direct)


def test_a_fragment_fetched_by_a_script_gets_no_tag(apache, inject_zenith):
    """Horizon loads its header and modal forms with jQuery (`X-Requested-With: XMLHttpRequest`)
    into a page that has the tag already; a second tag there would run the glue's script again."""
    direct = get(apache.port, "/dashboard/html/sized")
    via = get(inject_zenith.port, "/dashboard/html/sized", headers={**NAVIGATION, "X-Requested-With": "XMLHttpRequest"})
    assert via.status == 200 and via.body == direct.body and TAG not in via.body


def test_head_of_a_page_is_unchanged(apache, inject_zenith):
    direct = get(apache.port, "/dashboard/html/sized", method="HEAD")
    via = get(inject_zenith.port, "/dashboard/html/sized", method="HEAD")
    assert via.status == 200 and via.body == b""
    assert via.header("Content-Length") == direct.header("Content-Length")
    # The connection is still usable after the HEAD: nothing extra was sent.
    with Conn(inject_zenith.port) as c:
        c.send(build_request("HEAD", "/dashboard/html/sized", NAVIGATION, host=INJECT_HOST))
        assert c.read_response("HEAD").header("Content-Length") == direct.header("Content-Length")
        c.send(build_request("GET", "/dashboard/html/noend", NAVIGATION, host=INJECT_HOST))
        assert c.read_response().body.endswith(TAG)


def test_injections_and_compressed_pages_are_counted(apache, inject_zenith):
    before = scrape(inject_zenith.metrics_port)
    direct = get(apache.port, "/dashboard/html/gzip")
    via = get(inject_zenith.port, "/dashboard/html/gzip")
    assert via.header("Content-Encoding") == "gzip"
    assert via.body == direct.body and gzip.decompress(via.body).count(b"</body>") == 2
    assert via.header("Content-Length") == direct.header("Content-Length")
    get(inject_zenith.port, "/dashboard/html/sized")
    get(inject_zenith.port, "/dashboard/html/json")
    after = scrape(inject_zenith.metrics_port)
    skipped = "zenith_inject_skipped_total"
    assert metric(after, skipped, reason="encoded") - metric(before, skipped, reason="encoded") == 1
    assert metric(after, "zenith_injected_total") - metric(before, "zenith_injected_total") == 1


@pytest.mark.parametrize("host,method,accept,expected", [
    (INJECT_HOST, "GET", NAVIGATION["Accept"], "identity"),
    (INJECT_HOST, "GET", "TEXT/HTML", "identity"),
    (INJECT_HOST, "GET", "application/json, text/javascript, */*; q=0.01", "gzip, deflate, br"),
    (INJECT_HOST, "GET", "*/*", "gzip, deflate, br"),
    (INJECT_HOST, "POST", NAVIGATION["Accept"], "gzip, deflate, br"),
    (PLAIN_HOST, "GET", NAVIGATION["Accept"], "gzip, deflate, br"),
])
def test_accept_encoding_is_identity_only_for_page_navigations_on_inject_routes(
        inject_zenith, host, method, accept, expected):
    headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate, br"}
    echo = get(inject_zenith.port, "/dashboard/echo", method=method, host=host, headers=headers).json()
    assert echo["headers"]["Accept-Encoding"] == expected
    assert echo["headers"]["Accept"] == accept


@pytest.mark.parametrize("kind", ["sized", "streamed", "noend", "gzip", "json", "missing"])
def test_route_without_the_option_is_byte_identical_to_direct(apache, inject_zenith, kind):
    direct = get(apache.port, f"/dashboard/html/{kind}", host=PLAIN_HOST)
    via = get(inject_zenith.port, f"/dashboard/html/{kind}", host=PLAIN_HOST)
    assert via.status == direct.status
    assert via.body == direct.body
    assert via.chunked == direct.chunked
    assert page_headers(via) == page_headers(direct)


@pytest.mark.parametrize("kind", ["sized", "streamed"])
def test_page_over_http2_gets_the_tag(apache, inject_zenith, tmp_path, kind):
    direct = get(apache.port, f"/dashboard/html/{kind}")
    port = inject_zenith.https_port
    body, head = tmp_path / "body", tmp_path / "head"
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--http2", "-k", "--resolve", f"{INJECT_HOST}:{port}:127.0.0.1",
         "-H", f"Accept: {NAVIGATION['Accept']}", "-o", str(body), "-D", str(head), "-w", "%{http_version}",
         f"https://{INJECT_HOST}:{port}/dashboard/html/{kind}"],
        capture_output=True, text=True, check=True)
    assert out.stdout == "2"
    assert body.read_bytes() == with_tag(direct.body)
    lengths = [line.split(":", 1)[1].strip() for line in head.read_text().splitlines()
               if line.lower().startswith("content-length:")]
    assert lengths == ([] if kind == "streamed" else [str(len(direct.body) + len(TAG))])
