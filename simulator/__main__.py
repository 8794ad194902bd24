"""Command line: run a simulated OCPP 1.6J charge point against any central system.

    python -m simulator --url wss://127.0.0.1:9000/ocpp/CP1 --id CP1 --password SECRET \\
        --ca ca.pem [--power 7400] [--phases 3] [--interval 10] [--connectors 1] [-v]

It connects, boots, and charges cars forever; Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from .behaviour import BehaviourSettings, ChargingBehaviour, Endpoint
from .charger import ChargerProfile, ssl_context_for_ca

LOG = logging.getLogger("simulator")


def _bounded_text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit:
            raise argparse.ArgumentTypeError(f"at most {limit} characters (OCPP 1.6 limit)")
        return value

    return check


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def check(value: str) -> float:
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError("must be greater than 0")
        return number

    return check


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulated OCPP 1.6J charge point that boots and charges cars forever.",
    )
    parser.add_argument("--url", required=True, help="ws:// or wss:// URL, usually ending in /ID")
    parser.add_argument("--id", help="charge point id / Basic Auth user (default: URL's last part)")
    parser.add_argument("--password", help="Basic Auth password (omit for no authentication)")
    parser.add_argument("--ca", help="CA certificate (PEM) that signed the server's certificate")
    parser.add_argument(
        "--insecure-skip-verify", action="store_true", help="do not verify the TLS certificate"
    )
    parser.add_argument("--power", type=_positive(float), default=7400.0, help="max power in W")
    parser.add_argument("--phases", type=int, choices=(1, 2, 3), default=3)
    parser.add_argument(
        "--interval", type=_positive(float), default=10.0,
        help="MeterValues interval in s while the central system leaves MeterValueSampleInterval 0",
    )  # fmt: skip
    parser.add_argument("--connectors", type=_positive(int), default=1)
    parser.add_argument("--id-tag", type=_bounded_text(20), default="SIMTAG01")
    parser.add_argument("--vendor", type=_bounded_text(20), default="OCPP Central")
    parser.add_argument("--model", type=_bounded_text(20), default="Simulated Wallbox")
    parser.add_argument("--serial", type=_bounded_text(25), help="default: SIM-<id>")
    parser.add_argument("-v", "--verbose", action="store_true", help="also log every frame")
    return parser


def _endpoint(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Endpoint:
    url = urlsplit(args.url)
    if url.scheme not in ("ws", "wss"):
        parser.error("--url must start with ws:// or wss://")
    charge_point_id = args.id or url.path.rstrip("/").rsplit("/", 1)[-1]
    if not charge_point_id:
        parser.error("--id is required when the URL does not end with the charge point id")
    secure = url.scheme == "wss"
    if not secure and (args.ca or args.insecure_skip_verify):
        parser.error("--ca / --insecure-skip-verify need a wss:// URL")
    context = ssl_context_for_ca(args.ca, verify=not args.insecure_skip_verify) if secure else None
    return Endpoint(args.url, charge_point_id, args.password, context)


def _profile(args: argparse.Namespace, charge_point_id: str) -> ChargerProfile:
    serial = args.serial or f"SIM-{charge_point_id}"[:25]
    return ChargerProfile(
        vendor=args.vendor, model=args.model, serial=serial, connectors=args.connectors
    )


def _settings(args: argparse.Namespace) -> BehaviourSettings:
    return BehaviourSettings(
        power_w=args.power, phases=args.phases, interval=args.interval, id_tag=args.id_tag
    )


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S"
    )
    logging.getLogger("simulator.frames").setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("ocpp", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    endpoint = _endpoint(args, parser)
    _configure_logging(args.verbose)
    behaviour = ChargingBehaviour(_settings(args), connectors=args.connectors)
    profile = _profile(args, endpoint.charge_point_id)
    LOG.info(
        "[%s] simulating %s %s → %s", endpoint.charge_point_id, args.vendor, args.model, args.url
    )
    try:
        asyncio.run(behaviour.run_forever(endpoint, profile))
    except KeyboardInterrupt:
        LOG.info("[%s] stopped", endpoint.charge_point_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
