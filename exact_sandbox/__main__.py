"""python -m exact_sandbox --port 5055 ... (docs/sandbox.md §Running)."""
import argparse
import time

from werkzeug.serving import make_server

from . import create_app
from .faults import parse_spec


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m exact_sandbox", description="Local Exact Online sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--divisions", type=int, default=2)
    parser.add_argument("--minutely-limit", type=int, default=60)
    parser.add_argument("--daily-limit", type=int, default=5000)
    parser.add_argument("--window-seconds", type=int, default=60)
    parser.add_argument("--faults", default="", help="e.g. latency=0.05,error503=0.05,drop=0.05,revoke=0,seed=1")
    parser.add_argument("--db", default=None, help="SQLite file (default: in memory)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redirect-uri", default="http://127.0.0.1:5000/authcallback")
    parser.add_argument("--no-error-block", action="store_true", help="turn the 10-errors-per-hour rule off")
    parser.add_argument("--language", choices=("en", "nl"), default="en")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> dict:
    parse_spec(args.faults)  # fail early on a bad spec
    return {"accounts": args.accounts, "items": args.items, "divisions": args.divisions,
            "minutely_limit": args.minutely_limit, "daily_limit": args.daily_limit,
            "window_seconds": args.window_seconds, "faults": args.faults, "db": args.db, "seed": args.seed,
            "redirect_uri": args.redirect_uri, "error_block": not args.no_error_block, "language": args.language}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    app = create_app(config_from(args))
    seeded = time.perf_counter() - started
    state = app.extensions["exact_sandbox"]
    server = make_server(args.host, args.port, app, threaded=True)
    base_url = f"http://{args.host}:{server.server_port}"
    demo = state.demo_app
    print(f"Exact Online sandbox running at {base_url}", flush=True)
    print(f"  base URL       {base_url}  (replaces https://start.exactonline.nl)")
    print(f"  client ID      {demo['client_id']}")
    print(f"  client secret  {demo['client_secret']}")
    print(f"  redirect URI   {demo['redirect_uri']}")
    print(f"  webhook secret {demo['webhook_secret']}")
    print(f"  login          demo / demo; divisions {', '.join(map(str, state.division_numbers()))}")
    print(f"  seeded in      {seeded:.2f} s ({args.accounts} accounts, {args.items} items per division)")
    print(f"  browse         {base_url}/_sandbox/")
    print(f"  control token  {state.control_token}  (header X-Sandbox-Token for /_sandbox/ control "
          "calls)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.stop()


if __name__ == "__main__":
    main()
