"""Bodies to send and check: the fixture's deterministic download pattern (`pattern.generate(n)`,
`pattern.digest(n)`, one definition shared with the dashboard) and sha256 hex digests."""
from __future__ import annotations

import hashlib

import harness.paths  # noqa: F401 (puts the fixture's plain-python modules on sys.path)
from testapp import pattern  # noqa: F401 (for the tests: `from harness.payloads import pattern`)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
