"""Large bodies stream through zenith with bounded memory (200 MiB by default, 2 GiB with ZENITH_BIG=1)."""
import hashlib
import socket
import time

import pytest

from harness.memory import PeakRss
from harness.payloads import pattern
from harness.raw_http import Conn, build_request
from harness.zenith import base_config

MiB = 1024 * 1024
RSS_LIMIT_KIB = 100 * 1024  # zenith must stay under 100 MiB resident while moving the bytes


@pytest.fixture
def big_zenith(apache, zenith_factory):
    cfg = base_config(apache, limits={"header_bytes": 65536, "body_bytes": "3GiB"})
    cfg["upstream"]["dashboard"]["response_timeout"] = "120s"
    return zenith_factory(cfg, "*  /  proxy  dashboard\n")


def upload(z, total: int, path: str = "/dashboard/upload", piece: int = MiB):
    h = hashlib.sha256()
    with PeakRss(z) as peak, Conn(z.port, timeout=300) as c:
        c.send(build_request("POST", path, [("Content-Length", str(total)),
                                             ("Content-Type", "application/octet-stream")]))
        for data in pattern.generate(total, piece):
            h.update(data)
            c.send(data)
        r = c.read_response()
    assert r.status == 200, r.text[:500]
    assert r.json()["size"] == total
    assert r.json()["sha256"] == h.hexdigest()
    print(f"upload {total} bytes to {path}: zenith peak RSS {peak.peak_kib} KiB")
    return peak.peak_kib


def download(z, total: int, chunked: bool):
    h = hashlib.sha256()
    q = f"/dashboard/download?bytes={total}&chunk=262144" + ("&chunked=1" if chunked else "")
    with PeakRss(z) as peak, Conn(z.port, timeout=300) as c:
        c.send(build_request("GET", q))
        r = c.read_response(body_sink=h.update)
    assert r.status == 200
    if chunked:
        assert r.chunked and r.header("Content-Length") is None
    else:
        assert r.header("Content-Length") == str(total)
    assert h.hexdigest() == pattern.digest(total)
    print(f"download {total} bytes chunked={chunked}: zenith peak RSS {peak.peak_kib} KiB")
    return peak.peak_kib


def start_slow_download(c: Conn, total: int):
    """Asks for a `total`-byte download on a socket with a small receive buffer (so zenith soon
    cannot write to it) and reads the response head, which must be a 200."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.send(build_request("GET", f"/dashboard/download?bytes={total}"))
    head = c.read_until(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]


def test_upload_200mib_bounded_memory(big_zenith):
    peak = upload(big_zenith, 200 * MiB)
    assert peak < RSS_LIMIT_KIB, f"zenith peak RSS {peak} KiB during a 200 MiB upload"
    assert big_zenith.peak_rss_kib() < RSS_LIMIT_KIB


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_download_200mib_bounded_memory(big_zenith, chunked):
    peak = download(big_zenith, 200 * MiB, chunked)
    assert peak < RSS_LIMIT_KIB, f"zenith peak RSS {peak} KiB during a 200 MiB download"
    assert big_zenith.peak_rss_kib() < RSS_LIMIT_KIB


def test_download_backpressure_slow_client(big_zenith):
    """A client that stops reading must stop zenith reading from Apache (no buffering of the rest)."""
    z = big_zenith
    total = 200 * MiB
    before = z.rss_kib()
    h = hashlib.sha256()
    with Conn(z.port, timeout=120) as c:
        start_slow_download(c, total)
        got = c.read_exact(MiB)
        h.update(got)
        with PeakRss(z) as peak:
            time.sleep(3.0)  # Apache could produce the whole body in this time
        grown = peak.peak_kib - before
        print(f"slow client: zenith RSS before {before} KiB, peak while not reading {peak.peak_kib} KiB")
        assert grown < 32 * 1024, f"zenith grew by {grown} KiB while the client was not reading"
        remaining = total - len(got)
        while remaining:
            piece = c.read_exact(min(remaining, 4 * MiB))
            h.update(piece)
            remaining -= len(piece)
    assert h.hexdigest() == pattern.digest(total)


def test_upload_backpressure_slow_backend(big_zenith):
    """The backend reads slowly: zenith must slow the client down, not buffer the upload."""
    z = big_zenith
    before = z.rss_kib()
    total = 60 * MiB
    # 256 KiB per 10 ms read by Django: ~2.4 s for the whole body
    peak = upload(z, total, "/dashboard/upload?delay=0.01")
    grown = peak - before
    assert grown < 32 * 1024, f"zenith grew by {grown} KiB buffering an upload to a slow backend"


@pytest.mark.big
def test_upload_2gib(big_zenith):
    peak = upload(big_zenith, 2048 * MiB, piece=4 * MiB)
    assert peak < RSS_LIMIT_KIB, f"zenith peak RSS {peak} KiB during a 2 GiB upload"


@pytest.mark.big
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_download_2gib(big_zenith, chunked):
    peak = download(big_zenith, 2048 * MiB, chunked)
    assert peak < RSS_LIMIT_KIB, f"zenith peak RSS {peak} KiB during a 2 GiB download"


@pytest.mark.big
def test_upload_2gib_direct_to_apache(apache):
    """The fixture itself takes 2 GiB in small memory (the reference for the proxied case)."""
    total = 2048 * MiB
    h = hashlib.sha256()
    with Conn(apache.port, timeout=300) as c:
        c.send(build_request("POST", "/dashboard/upload", [("Content-Length", str(total))]))
        for data in pattern.generate(total, 4 * MiB):
            h.update(data)
            c.send(data)
        r = c.read_response()
    assert r.json() == {"size": total, "sha256": h.hexdigest(), "content_length": str(total),
                        "transfer_encoding": None}


def test_upstream_connection_paused_for_a_slow_client_reads_its_next_response(big_zenith):
    """A download to a slow client pauses reading from the backend; if the response ends while
    paused, the pooled connection must read again when it is next leased (it used to sit paused,
    and the next request on it waited for its response until the response timeout)."""
    z = big_zenith
    total = 8 * MiB
    for attempt in range(3):
        h = hashlib.sha256()
        with Conn(z.port, timeout=60) as c:
            start_slow_download(c, total)
            remaining = total
            while remaining:
                piece = c.read_exact(min(remaining, 64 * 1024))
                h.update(piece)
                remaining -= len(piece)
                time.sleep(0.002)
        assert h.hexdigest() == pattern.digest(total)
        # The most recently released upstream connection is leased first: this request gets it.
        with Conn(z.port, timeout=5) as c:
            c.send(build_request("GET", "/dashboard/echo?after=download"))
            r = c.read_response()
        assert r.status == 200, f"attempt {attempt}: {r.status}"
