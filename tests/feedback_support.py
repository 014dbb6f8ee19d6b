"""Helpers for the desk and feedback tests: a throwaway PostgreSQL cluster, the system Chromium.

Both are real: ``initdb`` + ``pg_ctl`` on a free loopback port in a temporary folder (Debian's
``postgresql`` package), and Debian's ``chromium`` driven by Playwright (no browser download).
Where one cannot be had the test is skipped with the reason, unless
``REPLYASSIST_REQUIRE_DESK_DEPS=1`` (set by ``.ci/run`` after installing them): then it fails.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail when the CI run requires the browser and database tests."""
    if os.environ.get("REPLYASSIST_REQUIRE_DESK_DEPS") == "1":
        pytest.fail(f"{reason} (REPLYASSIST_REQUIRE_DESK_DEPS=1: these tests must run)")
    pytest.skip(reason)


def need_module(name: str, install: str) -> Any:
    """Import ``name``, or skip (fail under ``REPLYASSIST_REQUIRE_DESK_DEPS=1``) saying how to install it."""
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        unavailable(f"{name} is not installed ({install})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if
                   p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    exe = shutil.which("initdb")
    return os.path.dirname(exe) if exe else None


class PostgresCluster:
    """A throwaway cluster: ``initdb`` in a temp folder, ``pg_ctl start`` on 127.0.0.1:<free port>.

    As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        b = pg_bin()
        if b is None:
            unavailable("PostgreSQL is not installed (apt-get install -y postgresql); the PostgreSQL store tests "
                        "need initdb and pg_ctl")
        self.bin = str(b)
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ra-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                import pwd
                pw = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no 'postgres' user to run the test server as")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://replyassist@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        r = subprocess.run(self.as_user + list(args), capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {r.stdout[-800:]} {r.stderr[-800:]}")

    def __enter__(self) -> "PostgresCluster":
        self._run(f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "replyassist", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-t", "60", "-l", os.path.join(self.dir, "log"),
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off", "start")
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop", timeout=30)
        except Exception:  # pragma: no cover - best effort
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def launch_chromium(p: Any) -> Any:
    if not os.path.exists(CHROMIUM):
        unavailable(f"Debian's chromium is not installed ({CHROMIUM}; apt-get install -y chromium)")
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)


def wait_ready(url: str, timeout: float = 180, proc: Any = None) -> None:
    import httpx
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the service exited with {proc.returncode}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")
