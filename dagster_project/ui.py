"""`make ui`: the Dagster UI (webserver and daemon, so schedules and sensors run) over
$DAGSTER_HOME and the warehouse.

Without STRIPE_API_KEY the Stripe jobs talk to the local Stripe emulator, started here
with the demo's account (kept beside the warehouse) and stopped with the UI; the Stripe
assets say so in their descriptions and metadata. With the key set, they talk to
STRIPE_API_BASE (Stripe by default) as everywhere else.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from dagster_project.runner import ensure_dagster_home
from dagster_project.settings import PROJECT_ROOT, load_settings, use_local_stripe

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make ui", description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    port = parser.parse_args(argv).port
    settings = load_settings()
    ensure_dagster_home(settings)
    emulator = None
    if not settings.stripe_api_key_is_set:
        from dagster_project.cli import DEMO_STRIPE_API_KEY, DEMO_WEBHOOK_SECRET
        from dagster_project.stripe_emulator import StripeEmulator

        emulator = StripeEmulator(
            state_path=settings.warehouse_path.parent / "stripe_emulator.json"
        ).start()
        use_local_stripe(emulator.base_url, DEMO_STRIPE_API_KEY, DEMO_WEBHOOK_SECRET)
        print(f"STRIPE_API_KEY is not set: the Stripe jobs talk to the local Stripe emulator "
              f"on {emulator.base_url} (test data, the demo's account)", flush=True)
    print(f"Dagster UI on http://{HOST}:{port} (Ctrl-C stops it)", flush=True)
    dagster = Path(sys.executable).parent / "dagster"
    # the code location ("billing") and its module come from [tool.dagster] in pyproject.toml
    # SIGTERM stops the UI like Ctrl-C does: dagster dev stops its processes, then the
    # emulator saves its account. Started from a background shell, a process inherits
    # SIGINT ignored; dagster dev gets it back, or nothing could stop it cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = subprocess.Popen(
        [str(dagster), "dev", "-h", HOST, "-p", str(port)],
        cwd=PROJECT_ROOT, env=os.environ.copy(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        return 0
    finally:
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
