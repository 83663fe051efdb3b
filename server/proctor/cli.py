"""The `proctor` command line."""

import argparse
import logging
import sys
from pathlib import Path

from proctor.config import get_settings
from proctor.grading import command as grading_command
from proctor.ranking import prefs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="proctor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP gateway")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    worker = sub.add_parser("worker", help="run one worker process with its warm sandboxes")
    worker.add_argument("--slots", type=int, help="warm sandboxes in this process (PROCTOR_SLOTS)")
    sub.add_parser("up", help="Redis (embedded by default), gateway and workers, until Ctrl-C")
    grading_command.add_parser(sub)
    prefs.add_parser(sub)
    suite = sub.add_parser("suite", help="build the atomic and synthetic function suite through a running service")
    suite.add_argument("action", choices=["build"])
    suite.add_argument("--seed", type=int, default=0)
    suite.add_argument("--out", type=Path, default=Path("benchmarks/atomic"))
    suite.add_argument("--url", default="http://127.0.0.1:8000", help="the service that runs the references")
    suite.add_argument("--api-key", help="when the service has PROCTOR_API_KEYS")
    args = parser.parse_args(argv)
    # grade, prefs and suite are clients of a running service: no server settings, quiet logs
    if args.command == "grade":
        return grading_command.run(args)
    if args.command == "prefs":
        return prefs.run(args)
    if args.command == "suite":
        from proctor.suite.build import main as build_suite

        return build_suite(args.seed, args.out, args.url, args.api_key)
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    if args.command == "serve":
        import uvicorn

        host, port = args.host or settings.host, args.port or settings.port
        uvicorn.run("proctor.gateway.app:create_app", factory=True, host=host, port=port, log_level="warning")
    elif args.command == "worker":
        from proctor.worker.process import run_worker

        run_worker(settings, args.slots)
    elif args.command == "up":
        from proctor.launcher import up

        return up(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
