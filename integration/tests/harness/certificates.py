"""Self-signed certificates (openssl) for zenith's TLS listeners."""
from __future__ import annotations

import subprocess
from pathlib import Path


def make_certificate(directory: Path, name: str = "cert", cn: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 and its key: (cert.pem, key.pem)."""
    key, cert = directory / f"{name}-key.pem", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
