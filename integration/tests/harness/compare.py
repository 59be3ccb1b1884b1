"""The same request sent directly to Apache and through zenith, to compare the two answers."""
from __future__ import annotations

import requests

from harness.dashboard import ApacheDashboard
from harness.raw_http import RawResponse, http_request
from harness.zenith import ZenithProcess


DEFAULT_HOST = "dash.example"


def both(apache: ApacheDashboard, zenith: ZenithProcess, method: str, path: str, **kw):
    """Send the same request (requests library) to Apache and through zenith; return (direct, via)."""
    headers = {"Host": DEFAULT_HOST, **kw.pop("headers", {})}
    kw.setdefault("allow_redirects", False)
    kw.setdefault("timeout", 30)
    direct = requests.request(method, apache.url + path, headers=headers, **kw)
    via = requests.request(method, zenith.url + path, headers=headers, **kw)
    return direct, via


def raw_both(apache: ApacheDashboard, zenith: ZenithProcess, method: str, path: str, headers=None,
             body: bytes = b"", **kw) -> tuple[RawResponse, RawResponse]:
    direct = http_request(apache.port, method, path, headers, body, **kw)
    via = http_request(zenith.port, method, path, headers, body, **kw)
    return direct, via
