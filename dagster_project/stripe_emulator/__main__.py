"""`python -m dagster_project.stripe_emulator [--host H] [--port P]`: serve until stopped."""

import argparse
import signal
import sys

from dagster_project.stripe_emulator import StripeEmulator


def main() -> int:
    parser = argparse.ArgumentParser(prog="stripe-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    args = parser.parse_args()
    emulator = StripeEmulator(args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Stripe emulator listening on {emulator.base_url}", flush=True)
    try:
        emulator.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
