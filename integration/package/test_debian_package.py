"""The Debian package, proven in a clean Debian 12 root that has no Swift toolchain.

Run by scripts/test-package (as root), which builds the .deb and passes it in ZENITH_DEB. A minimal
bookworm root is made with debootstrap (--variant=minbase) once and cached as a tarball in
ZENITH_DEBOOTSTRAP_CACHE (default /var/cache/zenith-package-test/bookworm-minbase.tar); each run
unpacks a fresh copy. In that root, through chroot: an older package (the same binary under a
lower version) installs with dpkg -i, an operator edits a conffile, the package under test
upgrades it with `apt-get install ./zenith_*.deb` (which also proves that Depends: is satisfied by
Debian's own packages, offline) and the edit stays; then `zenith --version`, `zenith check` on the
shipped config, and `zenith run` as the zenith user answering a proxied request and a Socket.IO
handshake, the backend and the client being on the host's loopback (a chroot shares the network
namespace). `systemd-analyze verify --root` checks the installed units; remove stops nothing (no
systemd runs) and keeps the conffiles, purge removes /etc/zenith.
"""

import http.server
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest

DEB = os.environ.get("ZENITH_DEB", "")
CACHE = os.environ.get("ZENITH_DEBOOTSTRAP_CACHE", "/var/cache/zenith-package-test/bookworm-minbase.tar")
MIRROR = os.environ.get("ZENITH_DEBIAN_MIRROR", "http://deb.debian.org/debian")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot, debootstrap)"),
    pytest.mark.skipif(not DEB, reason="ZENITH_DEB is not set (scripts/test-package sets it)"),
]


def run(*args, check=True, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def base_root_tarball():
    """The cached minimal bookworm root, made with debootstrap when missing (about a minute)."""
    if os.path.exists(CACHE):
        return CACHE
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    work = tempfile.mkdtemp(prefix="zenith-debootstrap-", dir=os.path.dirname(CACHE))
    try:
        run("debootstrap", "--variant=minbase", "bookworm", f"{work}/root", MIRROR)
        run("tar", "-C", f"{work}/root", "-cf", f"{work}/root.tar", ".")
        os.replace(f"{work}/root.tar", CACHE)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return CACHE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Root:
    """A fresh copy of the base root, with /proc mounted; removed (after unmounting) at the end."""

    def __init__(self, tarball):
        self.work = tempfile.mkdtemp(prefix="zenith-package-root-")
        self.path = os.path.join(self.work, "root")
        os.mkdir(self.path)
        run("tar", "-C", self.path, "-xf", tarball)
        run("mount", "-t", "proc", "proc", f"{self.path}/proc")
        # No network lookups and no daemons from maintainer scripts in the root.
        with open(f"{self.path}/usr/sbin/policy-rc.d", "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(f"{self.path}/usr/sbin/policy-rc.d", 0o755)

    def chroot(self, *args, check=True, user=None):
        prefix = ["chroot"] + ([f"--userspec={user}"] if user else []) + [self.path]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
        return run(*prefix, *args, check=check, env=env)

    def file(self, path):
        return os.path.join(self.path, path.lstrip("/"))

    def close(self):
        proc = f"{self.path}/proc"
        if os.path.ismount(proc):
            run("umount", proc, check=False)
        if os.path.ismount(proc):
            run("umount", "-l", proc, check=False)
        # Never remove a tree that still has something mounted in it.
        mounts = open("/proc/self/mounts").read()
        if f" {self.path}/" not in mounts and f" {self.path} " not in mounts:
            shutil.rmtree(self.work, ignore_errors=True)


@pytest.fixture(scope="module")
def root():
    started = time.monotonic()
    r = Root(base_root_tarball())
    print(f"root ready in {time.monotonic() - started:.1f}s")
    yield r
    r.close()


@pytest.fixture(scope="module")
def older_deb(tmp_path_factory):
    """The package under test repacked as version 0.0.1~previous: what an upgrade comes from."""
    work = tmp_path_factory.mktemp("older")
    run("dpkg-deb", "-R", DEB, str(work / "tree"))
    control = (work / "tree/DEBIAN/control").read_text()
    version = next(line.split(": ", 1)[1] for line in control.splitlines() if line.startswith("Version: "))
    (work / "tree/DEBIAN/control").write_text(control.replace(f"Version: {version}", "Version: 0.0.1~previous"))
    deb = work / "zenith_0.0.1~previous_amd64.deb"
    run("dpkg-deb", "--root-owner-group", "-Znone", "--build", str(work / "tree"), str(deb))
    return str(deb)


class Backend(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"backend saw {self.path} host={self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_root_has_no_swift(root):
    found = run("find", root.path, "-xdev", "(", "-name", "libswift*", "-o", "-name", "libFoundation*", ")", "-print").stdout
    assert found == ""
    assert not os.path.exists(root.file("/usr/bin/zenith"))


def test_first_install_creates_user_token_and_enables(root, older_deb):
    shutil.copy(older_deb, root.file("/tmp/"))
    result = root.chroot("dpkg", "-i", f"/tmp/{os.path.basename(older_deb)}")
    assert "0.0.1~previous" in root.chroot("dpkg-query", "-W", "-f=${Version}", "zenith").stdout
    assert root.chroot("getent", "passwd", "zenith").stdout.split(":")[6].strip() == "/usr/sbin/nologin"
    assert root.chroot("getent", "group", "zenith").returncode == 0
    st = os.stat(root.file("/etc/zenith/publish.token"))
    assert oct(st.st_mode & 0o777) == "0o640", result.stdout
    assert st.st_uid == 0
    assert root.chroot("stat", "-c", "%G", "/etc/zenith/publish.token").stdout.strip() == "zenith"
    assert len(open(root.file("/etc/zenith/publish.token")).read().strip()) == 64
    # Enabled (deb-systemd-helper made the symlink without a running systemd), not started.
    link = root.file("/etc/systemd/system/multi-user.target.wants/zenith.service")
    assert os.readlink(link) == "/lib/systemd/system/zenith.service"
    assert not os.path.exists(root.file("/etc/systemd/system/sockets.target.wants/zenith.socket"))


def test_upgrade_keeps_an_edited_conffile(root):
    with open(root.file("/etc/zenith/routes"), "a") as f:
        f.write("# the operator's edit\n")
    token = open(root.file("/etc/zenith/publish.token")).read()
    shutil.copy(DEB, root.file("/tmp/"))
    # apt-get resolves Depends: from the root's own packages: no network, no Swift.
    root.chroot("apt-get", "install", "-y", "--no-install-recommends", f"/tmp/{os.path.basename(DEB)}")
    version = run("dpkg-deb", "-f", DEB, "Version").stdout.strip()
    assert root.chroot("dpkg-query", "-W", "-f=${Version}", "zenith").stdout == version
    assert open(root.file("/etc/zenith/routes")).read().endswith("# the operator's edit\n")
    assert open(root.file("/etc/zenith/publish.token")).read() == token
    assert not os.path.exists(root.file("/etc/zenith/routes.dpkg-new"))


def test_version_and_check_in_the_root(root):
    version = run("dpkg-deb", "-f", DEB, "Version").stdout.strip()
    line = root.chroot("zenith", "--version").stdout.strip()
    assert line.startswith(f"{version} (commit "), line
    result = root.chroot("zenith", "check", "--config", "/etc/zenith/zenith.toml")
    assert "/socket.io/" in result.stdout
    # The man page and the completions are where man and the shells look.
    for path in ["/usr/share/man/man1/zenith.1.gz", "/usr/share/bash-completion/completions/zenith",
                 "/usr/share/zsh/vendor-completions/_zenith", "/usr/share/fish/vendor_completions.d/zenith.fish",
                 "/usr/share/doc/zenith/copyright", "/usr/share/doc/zenith/examples/zenith.toml"]:
        assert os.path.isfile(root.file(path)), path


def test_run_proxies_and_answers_socketio(root):
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = free_port()
    # The shipped config and routes, with the listener and Horizon's address moved to free ports.
    os.makedirs(root.file("/tmp/run"), exist_ok=True)
    config = open(root.file("/etc/zenith/zenith.toml")).read()
    config = config.replace('http = ["0.0.0.0:80"]', f'http = ["127.0.0.1:{port}"]')
    config = config.replace('servers = ["127.0.0.1:8080"]', f'servers = ["127.0.0.1:{backend.server_port}"]')
    config = config.replace('routes = "routes"', 'routes = "/etc/zenith/routes"')
    with open(root.file("/tmp/run/zenith.toml"), "w") as f:
        f.write(config)
    os.chmod(root.file("/tmp/run/zenith.toml"), 0o644)
    root.chroot("zenith", "check", "--config", "/tmp/run/zenith.toml")
    log = open(os.path.join(root.work, "zenith.log"), "w+")
    zenith = subprocess.Popen(
        [shutil.which("chroot"), "--userspec=zenith:zenith", root.path, "/usr/bin/zenith", "run", "--config", "/tmp/run/zenith.toml"],
        stdout=log, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert zenith.poll() is None, open(log.name).read()
                assert time.monotonic() < deadline, open(log.name).read()
                time.sleep(0.1)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard/project/", timeout=10) as response:
                assert response.status == 200
                assert response.read().decode() == f"backend saw /dashboard/project/ host=127.0.0.1:{port}"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=10) as response:
                assert response.status == 200
                body = response.read().decode()
                assert body.startswith('0{"sid":"'), body
        except (AssertionError, OSError) as error:
            time.sleep(0.5)
            raise AssertionError(f"{error!r}; zenith's log:\n{open(log.name).read()}") from error
    finally:
        zenith.send_signal(signal.SIGTERM)
        try:
            status = zenith.wait(timeout=60)
        except subprocess.TimeoutExpired:
            zenith.kill()
            status = zenith.wait()
        backend.shutdown()
        backend.server_close()
    assert status == 0, open(log.name).read()


def test_systemd_analyze_verify_the_installed_units(root):
    # The minimal root has no systemd: the targets the units name (sysinit.target, sockets.target,
    # multi-user.target...) come from the host's systemd, copied beside them.
    for directory in ["/lib/systemd/system", "/usr/lib/systemd/system"]:
        if os.path.isdir(directory):
            for name in os.listdir(directory):
                target = root.file(f"/lib/systemd/system/{name}")
                if not name.startswith("zenith") and not os.path.lexists(target):
                    source = os.path.join(directory, name)
                    if os.path.isfile(source) and not os.path.islink(source):
                        shutil.copy(source, target)
    result = run("systemd-analyze", f"--root={root.path}", "verify",
                 "/lib/systemd/system/zenith.service", "/lib/systemd/system/zenith.socket", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zenith" not in result.stderr, result.stderr


def test_remove_keeps_the_configuration_and_purge_removes_it(root):
    root.chroot("dpkg", "-r", "zenith")
    assert not os.path.exists(root.file("/usr/bin/zenith"))
    assert not os.path.exists(root.file("/lib/systemd/system/zenith.service"))
    assert os.path.exists(root.file("/etc/zenith/routes"))
    assert os.path.exists(root.file("/etc/zenith/publish.token"))
    os.makedirs(root.file("/var/lib/zenith"))  # what systemd's StateDirectory= makes at start
    root.chroot("dpkg", "-P", "zenith")
    assert not os.path.exists(root.file("/var/lib/zenith"))
    assert not os.path.exists(root.file("/etc/zenith"))
    assert not os.path.lexists(root.file("/etc/systemd/system/multi-user.target.wants/zenith.service"))
    assert root.chroot("dpkg-query", "-W", "zenith", check=False).returncode != 0


@pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian is not installed")
def test_lintian_reports_no_errors():
    # Run on the host (lintian is Debian's package checker); the warnings left are listed, with
    # their reasons, in docs/packaging.md.
    result = run("lintian", "--tag-display-limit", "0", DEB, check=False)
    errors = [line for line in result.stdout.splitlines() if line.startswith("E: ")]
    assert errors == [], result.stdout
    print(result.stdout)
