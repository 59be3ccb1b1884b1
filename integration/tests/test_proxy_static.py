"""The static action: types, validators (ETag / Last-Modified → 304), ranges, and no way out of the dir."""
import email.utils
import os
import subprocess

import pytest

from conftest import PNG_1x1, SECRET_TEXT
from harness.certificates import make_certificate
from harness.payloads import pattern, sha256
from harness.processes import free_port, wait_for_port
from harness.raw_http import Conn, build_request, http_request


@pytest.mark.parametrize("name,ctype", [
    ("style.css", "text/css"),
    ("app.js", ("text/javascript", "application/javascript")),
    ("index.html", "text/html"),
    ("data.json", "application/json"),
    ("icon.svg", "image/svg+xml"),
    ("logo.png", "image/png"),
])
def test_content_type_and_body(zenith, static_root, name, ctype):
    r = http_request(zenith.port, "GET", f"/static/{name}")
    assert r.status == 200
    assert r.body == (static_root / "static" / name).read_bytes()
    got = r.header("Content-Type", "").split(";")[0].strip()
    assert got in (ctype if isinstance(ctype, tuple) else (ctype,)), r.header("Content-Type")
    assert r.header("Content-Length") == str(len(r.body))


def test_cache_control_from_max_age(zenith):
    r = http_request(zenith.port, "GET", "/static/style.css")
    assert "max-age=86400" in (r.header("Cache-Control") or ""), r.headers


def test_png_bytes_exact(zenith):
    assert http_request(zenith.port, "GET", "/static/logo.png").body == PNG_1x1


def test_name_with_space(zenith):
    r = http_request(zenith.port, "GET", "/static/with%20space.txt")
    assert r.status == 200 and r.body == b"space in name\n"


def test_subdirectory_file(zenith):
    r = http_request(zenith.port, "GET", "/static/sub/inner.txt")
    assert r.status == 200 and r.body == b"inner file\n"


def test_etag_if_none_match_304(zenith):
    r = http_request(zenith.port, "GET", "/static/style.css")
    etag = r.header("ETag")
    assert etag, "static responses carry an ETag"
    r2 = http_request(zenith.port, "GET", "/static/style.css", [("If-None-Match", etag)])
    assert r2.status == 304 and r2.body == b""
    assert r2.header("ETag") == etag
    r3 = http_request(zenith.port, "GET", "/static/style.css", [("If-None-Match", '"something-else"')])
    assert r3.status == 200 and r3.body == r.body
    r4 = http_request(zenith.port, "GET", "/static/style.css", [("If-None-Match", f'"x", {etag}')])
    assert r4.status == 304
    r5 = http_request(zenith.port, "GET", "/static/style.css", [("If-None-Match", "*")])
    assert r5.status == 304


def test_etag_changes_when_file_changes(zenith, static_root):
    f = static_root / "static" / "changing.txt"
    f.write_text("version one\n")
    os.utime(f, (1_600_000_000, 1_600_000_000))
    e1 = http_request(zenith.port, "GET", "/static/changing.txt").header("ETag")
    f.write_text("version two, longer\n")
    os.utime(f, (1_600_000_100, 1_600_000_100))
    r = http_request(zenith.port, "GET", "/static/changing.txt", [("If-None-Match", e1)])
    assert r.status == 200 and r.body == b"version two, longer\n"
    assert r.header("ETag") != e1


def test_last_modified_if_modified_since_304(zenith, static_root):
    r = http_request(zenith.port, "GET", "/static/app.js")
    lm = r.header("Last-Modified")
    assert lm, "static responses carry Last-Modified"
    mtime = int((static_root / "static" / "app.js").stat().st_mtime)
    assert email.utils.parsedate_to_datetime(lm).timestamp() == mtime
    r2 = http_request(zenith.port, "GET", "/static/app.js", [("If-Modified-Since", lm)])
    assert r2.status == 304 and r2.body == b""
    older = email.utils.formatdate(mtime - 3600, usegmt=True)
    r3 = http_request(zenith.port, "GET", "/static/app.js", [("If-Modified-Since", older)])
    assert r3.status == 200 and r3.body == r.body


def test_range_206(zenith, static_root):
    data = (static_root / "static" / "big.bin").read_bytes()
    r = http_request(zenith.port, "GET", "/static/big.bin", [("Range", "bytes=10-19")])
    assert r.status == 206
    assert r.header("Content-Range") == f"bytes 10-19/{len(data)}"
    assert r.body == data[10:20] and r.header("Content-Length") == "10"
    r = http_request(zenith.port, "GET", "/static/big.bin", [("Range", "bytes=-5")])
    assert r.status == 206 and r.body == data[-5:]
    assert r.header("Content-Range") == f"bytes {len(data) - 5}-{len(data) - 1}/{len(data)}"
    r = http_request(zenith.port, "GET", "/static/big.bin", [("Range", f"bytes={len(data) - 3}-")])
    assert r.status == 206 and r.body == data[-3:]
    assert "bytes" in (http_request(zenith.port, "GET", "/static/big.bin").header("Accept-Ranges") or "")


def test_range_unsatisfiable_416(zenith, static_root):
    size = (static_root / "static" / "big.bin").stat().st_size
    r = http_request(zenith.port, "GET", "/static/big.bin", [("Range", f"bytes={size + 10}-")])
    assert r.status == 416
    assert r.header("Content-Range") == f"bytes */{size}"


def test_head_static(zenith):
    with Conn(zenith.port) as c:
        c.send(build_request("HEAD", "/static/big.bin"))
        r = c.read_response("HEAD")
        assert r.status == 200 and r.header("Content-Length") == str(100 * 1024)
        c.send(build_request("GET", "/static/style.css"))
        assert c.read_response().body == b"body { color: #123456; }\n"


@pytest.mark.parametrize("path", [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/.%2e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..%2Fsecret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static/sub/../../secret.txt",
    "/static/sub/%2e%2e/%2e%2e/secret.txt",
    "/static/..%5csecret.txt",
    "/static/..\\secret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/../static-private/key.txt",
    "/static/%00../secret.txt",
    "/static/style.css%00.png",
    "/static//../secret.txt",
])
def test_traversal_never_serves_outside_files(zenith, path):
    r = http_request(zenith.port, "GET", path)
    assert r.status in (400, 403, 404), f"{path} → {r.status}"
    assert SECRET_TEXT.encode() not in r.body


def test_directory_is_404_without_listing(zenith):
    for path in ("/static/sub/", "/static/"):
        r = http_request(zenith.port, "GET", path)
        assert r.status == 404, f"{path} → {r.status}"
        assert b"inner.txt" not in r.body and b"style.css" not in r.body
    r = http_request(zenith.port, "GET", "/static/sub")
    assert r.status in (301, 404), r.status
    assert b"inner.txt" not in r.body


def test_missing_file_404(zenith):
    assert http_request(zenith.port, "GET", "/static/nope.css").status == 404


def test_static_large_file_streams(zenith, static_root):
    data = b"".join(pattern.generate(20_000_000))
    (static_root / "static" / "large.bin").write_bytes(data)
    r = http_request(zenith.port, "GET", "/static/large.bin", timeout=30)
    assert r.status == 200 and sha256(r.body) == sha256(data)


@pytest.mark.parametrize("protocol", ["--http1.1", "--http2"])
def test_files_over_tls(zenith_factory, static_root, tmp_path, protocol):
    """Over TLS a file cannot go as it is (sendfile): it is read into buffers and encrypted,
    whole or as a range, over HTTP/1.1 and HTTP/2 (a file region reaching the TLS handler used
    to crash the process)."""
    cert, key = make_certificate(tmp_path)
    port, https_port = free_port(), free_port()
    z = zenith_factory({"listen": {"http": [f"127.0.0.1:{port}"], "https": [f"127.0.0.1:{https_port}"]},
                        "tls": {"certificate": str(cert), "key": str(key)}},
                       f"*  /static/  static  {static_root / 'static'}\n", port=port)
    wait_for_port(https_port, 10, z.proc, "zenith https")
    big = tmp_path / "big.out"

    def curl(*args: str) -> str:
        return subprocess.run(["curl", "-sS", "-k", protocol, "--max-time", "10", "-w", "%{http_version} %{http_code}",
                               *args], capture_output=True, text=True, check=True).stdout

    version = "2" if protocol == "--http2" else "1.1"
    assert curl("-o", str(big), f"https://127.0.0.1:{https_port}/static/big.bin") == f"{version} 200"
    assert sha256(big.read_bytes()) == pattern.digest(100 * 1024)
    assert curl("-o", str(big), "-H", "Range: bytes=1000-1999", f"https://127.0.0.1:{https_port}/static/big.bin") \
        == f"{version} 206"
    assert big.read_bytes() == b"".join(pattern.generate(100 * 1024))[1000:2000]
    assert curl("-o", "/dev/null", "-I", f"https://127.0.0.1:{https_port}/static/style.css") == f"{version} 200"
    assert z.alive()

