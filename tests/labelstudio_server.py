"""Start a real Label Studio server for a test, and talk to its HTTP API.

Label Studio is installed in its own virtual environment (its pins clash with ours): `.ci/run`
makes `.venv-labelstudio`. The executable is `$JOBSECTIONS_LABEL_STUDIO`, else
`.venv-labelstudio/bin/label-studio` in the checkout, else `label-studio` on the PATH.

A fresh Label Studio database takes minutes of Django migrations, so a migrated, empty one
(no users, no projects) is kept beside the executable, in `<venv>/jobsections-template/`, and
copied into each server's temporary data directory. `python tests/labelstudio_server.py
--prepare` makes it (what `.ci/run` does after installing); the test makes it when missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "label_studio.sqlite3"
USER = "tester@example.com"
PASSWORD = "jobsections-test-pw"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


def executable() -> str | None:
    """The `label-studio` command to run, or None when it is not installed."""
    given = os.environ.get("JOBSECTIONS_LABEL_STUDIO")
    if given:
        return given if Path(given).is_file() else None
    local = ROOT / ".venv-labelstudio" / "bin" / "label-studio"
    if local.is_file():
        return str(local)
    return shutil.which("label-studio")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LATEST_VERSION_CHECK="false",  # no look-up of the newest release on start
        LOG_LEVEL="WARNING",
    )
    return env


def template_dir(exe: str) -> Path:
    return Path(exe).resolve().parent.parent / "jobsections-template"


def prepare(exe: str, timeout: float = 900) -> Path:
    """The migrated empty database beside `exe`, made first if missing."""
    template = template_dir(exe)
    if not (template / DATABASE).is_file():
        work = template.with_name(template.name + f".tmp{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        # any label-studio command applies the migrations first; `version` then only prints
        subprocess.run([exe, "version"], env=_env(work), check=True, timeout=timeout, capture_output=True, cwd=work)
        if not (work / DATABASE).is_file():
            raise RuntimeError(f"label-studio made no {DATABASE} in {work}")
        shutil.rmtree(template, ignore_errors=True)
        work.replace(template)
    return template


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudio:
    """A Label Studio server on 127.0.0.1 with its own data directory, and a small API client."""

    def __init__(self, exe: str, data_dir: Path) -> None:
        self.exe = exe
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    def start(self, timeout: float = 300) -> LabelStudio:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(prepare(self.exe) / DATABASE, self.data_dir / DATABASE)
        command = [
            self.exe,
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--username",
            USER,
            "--password",
            PASSWORD,
            "--user-token",
            TOKEN,
            "--enable-legacy-api-token",  # `Authorization: Token ...` with the token above
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=_env(self.data_dir),
                cwd=self.data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"label-studio exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"label-studio did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        """End the server this object started (its own process group), and nothing else."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass

    def call(self, method: str, path: str, body: Any = None, raw: bool = False, timeout: float = 120) -> Any:
        """One API request with the test user's token; JSON in and out (or the raw body)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                content = r.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: HTTP {e.code}: {e.read()[:500]!r}") from None
        return content if raw else json.loads(content or b"null")


if __name__ == "__main__":
    if sys.argv[1:] != ["--prepare"]:
        sys.exit("usage: python tests/labelstudio_server.py --prepare")
    exe = executable()
    if exe is None:
        sys.exit("label-studio is not installed (see .ci/run)")
    started = time.perf_counter()
    print(f"Label Studio database template: {prepare(exe)} ({time.perf_counter() - started:.0f} s)")
