"""Reading zenith's metrics listener (Prometheus text format)."""
from __future__ import annotations

import re

import requests


def scrape(port: int) -> dict[str, float]:
    """The samples of zenith's `GET /metrics` on `port`, by name with labels."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def metric(samples: dict[str, float], name: str, **labels) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for key, value in samples.items():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})?", key)
        if not match or match.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += value
    return total
