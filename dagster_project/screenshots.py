"""`make screenshots`, the UI part: headless-Chromium PNGs of the Dagster UI over the demo
warehouse (the asset graph, the Automation page, the daily platform report asset, the
build job's runs), written beside the reports' screenshots.

The UI is started as `make ui` starts it, on a port of its own, and stopped afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from dagster_project.settings import load_settings

PAGES = {
    "ui-asset-graph": "/asset-groups",
    "ui-automation": "/automation",
    "ui-daily-platform-report": "/assets/reports/daily_platform_report",
    "ui-build-job-runs": "/locations/billing/jobs/build_job/runs",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars", "--window-size=1600,1000",
                  # the UI is a single-page application: give it time to load its data
                  "--virtual-time-budget=30000"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the Dagster UI did not answer on {url}") from None
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make screenshots", description=__doc__)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    out = load_settings().reports_dir / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    ui = subprocess.Popen([sys.executable, "-m", "dagster_project.ui", "--port", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/server_info")
        time.sleep(15)  # the code location loads after the server answers
        # the UI's one-time "join the community" dialog would cover every page
        request = urllib.request.Request(
            f"{base}/graphql", b'{"query": "mutation { setNuxSeen }"}',
            {"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).close()
        for name, path in PAGES.items():
            target = out / f"{name}.png"
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                f"--screenshot={target}", base + path],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=False, timeout=180)
            print(target if target.exists() else f"no screenshot of {path}")
    finally:
        ui.terminate()
        ui.wait(60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
