"""``python -m engine.protocol_sandbox --port 8765 [--seed demo]``: run the sandbox until Ctrl-C."""

# A command-line tool: printing to the terminal is its interface.
# pylint: disable=print-used

import argparse
import json
import sys

from . import start_sandbox_server


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m engine.protocol_sandbox",
        description="Local protocol sandbox for Enable Banking, Kontomatik and GoCardless.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (keep it local)")
    parser.add_argument("--seed", default="demo", help="Sandbox Bank seed")
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--no-limits", action="store_true", help="do not enforce 4 calls a day")
    parser.add_argument("--verbose", action="store_true", help="log request lines")
    args = parser.parse_args(argv)
    server, base_url = start_sandbox_server(
        args.port,
        host=args.host,
        seed=args.seed,
        page_size=args.page_size,
        enforce_limits=not args.no_limits,
        verbose=args.verbose,
    )
    print(f"Protocol sandbox on {base_url}", flush=True)
    print(json.dumps(server.info(), indent=2), flush=True)
    try:
        server._thread.join()
    except KeyboardInterrupt:
        print("Stopping.", file=sys.stderr)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
