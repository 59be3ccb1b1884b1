"""Where the tests find the repository, the fixture dashboard and the zenith binary.

Importing it puts the fixture dashboard on sys.path, for its plain-python modules that both sides
share (testapp.pattern, testapp.identities).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURE_DIR = REPO / "integration" / "fixtures" / "dashboard"
ZENITH_BIN = os.environ.get("ZENITH_BIN", str(REPO / ".build" / "debug" / "zenith"))

if str(FIXTURE_DIR) not in sys.path:
    sys.path.insert(0, str(FIXTURE_DIR))
