"""Run a real Home Assistant with OCPP Central and a simulated charger (scripts/develop).

Stdlib only. Starts Home Assistant on 127.0.0.1:8123 with a config folder under the
repository (.develop/), onboards a developer user, creates the central system and a
charger through the same REST flows the UI uses, downloads the generated CA and starts
the simulated charger against it. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
CLIENT_ID = f"{BASE}/"
USER, PASSWORD = "dev", "dev-password"
CHARGER_ID, CHARGER_PASSWORD = "SIM1", "simulated-charger-password"
CONFIGURATION = """\
homeassistant:
  name: OCPP Central development
  unit_system: metric
  currency: EUR
  time_zone: UTC
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  country: NL
http:
  server_host: 127.0.0.1
  server_port: 8123
frontend:
config:
history:
logbook:
energy:
logger:
  default: warning
  logs:
    custom_components.ocpp_central: info
"""


def request(
    method: str, path: str, body: Any = None, token: str | None = None, form: bool = False
) -> Any:
    """One HTTP request to Home Assistant; JSON in, JSON (or text) out."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=30) as response:
        raw = response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode()


def prepare_config(config: Path) -> None:
    """The config folder: configuration.yaml and our integration linked in."""
    (config / "custom_components").mkdir(parents=True, exist_ok=True)
    link = config / "custom_components" / "ocpp_central"
    if not link.exists():
        link.symlink_to(REPO / "custom_components" / "ocpp_central")
    yaml = config / "configuration.yaml"
    if not yaml.exists():
        yaml.write_text(CONFIGURATION)
    _skip_onboarding_extras(config / ".storage" / "onboarding")


def _skip_onboarding_extras(path: Path) -> None:
    """Mark onboarding's optional steps done, so only the user is created.

    The core_config and integration steps would set up weather, radio and assist
    integrations that need the internet and native build tools a newcomer may lack.
    """
    if path.exists():
        return
    from homeassistant.components import onboarding  # noqa: PLC0415 - the venv's HA

    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"done": ["core_config", "analytics", "integration"]}
    path.write_text(
        json.dumps(
            {
                "version": onboarding.STORAGE_VERSION,
                "minor_version": 1,
                "key": onboarding.STORAGE_KEY,
                "data": data,
            }
        )
    )


def wait_for_http(process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Until Home Assistant answers (the first start installs the frontend's packages)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(
                f"Home Assistant exited with {process.returncode}; "
                "see .develop/config/home-assistant.log"
            )
        try:
            request("GET", "/api/onboarding")
            return
        except urllib.error.HTTPError:
            return  # it answers (404 once onboarding is over)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    sys.exit("Home Assistant did not start in time")


def exchange(code: str) -> str:
    """An authorization code for an access token."""
    token = request(
        "POST",
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )
    return str(token["access_token"])


def _user_onboarded() -> bool:
    try:
        steps = {s["step"]: s["done"] for s in request("GET", "/api/onboarding")}
    except urllib.error.HTTPError as err:
        if err.code == 404:  # onboarding is over: Home Assistant no longer serves it
            return True
        raise
    return bool(steps.get("user"))


def login() -> str:
    """Onboard the developer user on first start, log in afterwards."""
    if not _user_onboarded():
        created = request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": CLIENT_ID,
                "name": "Developer",
                "username": USER,
                "password": PASSWORD,
                "language": "en",
            },
        )
        return exchange(created["auth_code"])
    flow = request(
        "POST",
        "/auth/login_flow",
        {"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    )
    result = request(
        "POST",
        f"/auth/login_flow/{flow['flow_id']}",
        {"username": USER, "password": PASSWORD, "client_id": CLIENT_ID},
    )
    return exchange(result["result"])


def ensure_central(token: str, port: int) -> str:
    """The central system entry (created through the config flow the first time)."""
    entries = request("GET", "/api/config/config_entries/entry?domain=ocpp_central", token=token)
    if entries:
        return str(entries[0]["entry_id"])
    flow = request("POST", "/api/config/config_entries/flow", {"handler": "ocpp_central"}, token)
    result = request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"host": "127.0.0.1", "port": port, "allow_insecure": False},
        token,
    )
    if result.get("type") != "create_entry":
        sys.exit(f"config flow did not finish: {result}")
    return str(result["result"]["entry_id"])


def ensure_charger(token: str, entry_id: str) -> None:
    """The simulated charger's subentry (created through the subentry flow)."""
    entries = request("GET", "/api/config/config_entries/entry?domain=ocpp_central", token=token)
    entry = next(e for e in entries if e["entry_id"] == entry_id)
    if entry.get("num_subentries"):
        return
    flow = request(
        "POST",
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "charger"]},
        token,
    )
    result = request(
        "POST",
        f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
        {
            "charge_point_id": CHARGER_ID,
            "name": "Simulated charger",
            "password": CHARGER_PASSWORD,
            "max_power_kw": 22,
            "price_per_kwh": 0.25,
        },
        token,
    )
    while result.get("type") == "form":  # the one-time credentials page
        result = request(
            "POST", f"/api/config/config_entries/subentries/flow/{flow['flow_id']}", {}, token
        )
    if result.get("type") != "create_entry":
        sys.exit(f"charger flow did not finish: {result}")


def fetch_ca(entry_id: str, target: Path) -> None:
    """The generated CA certificate, as an installer would download it."""
    with urllib.request.urlopen(f"{BASE}/api/ocpp_central/{entry_id}/ca.pem", timeout=30) as r:
        target.write_bytes(r.read())


def stop(process: subprocess.Popen[bytes] | None, name: str) -> None:
    """SIGTERM, then SIGKILL after a grace period."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop in 30 s; killing it")
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    """In the child: SIGTERM when this script dies, even by SIGKILL (Linux), so no Home
    Assistant or simulator is left holding the port and the config folder's lock."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Bring everything up, print how to look, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / ".develop" / "config")
    parser.add_argument("--ocpp-port", type=int, default=9000)
    args = parser.parse_args()
    prepare_config(args.config)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    hass = sim = None
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("Starting Home Assistant (the first start takes a minute)...", flush=True)
        hass = subprocess.Popen(
            [sys.executable, "-m", "homeassistant", "--config", str(args.config)],
            cwd=REPO,
            env=env,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - this script runs no threads
        )
        wait_for_http(hass)
        token = login()
        entry_id = ensure_central(token, args.ocpp_port)
        ensure_charger(token, entry_id)
        ca_file = args.config.parent / "ca.pem"
        fetch_ca(entry_id, ca_file)
        sim = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator",
                "--url",
                f"wss://127.0.0.1:{args.ocpp_port}/ocpp/{CHARGER_ID}",
                "--id",
                CHARGER_ID,
                "--password",
                CHARGER_PASSWORD,
                "--ca",
                str(ca_file),
                "--interval",
                "10",
            ],
            cwd=REPO,
            env=env,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - this script runs no threads
        )
        print(
            f"\n  Home Assistant: {BASE}\n  Log in as:      {USER} / {PASSWORD}\n"
            f"  Charger:        {CHARGER_ID} on wss://127.0.0.1:{args.ocpp_port}/ocpp/{CHARGER_ID}\n"
            "  Settings > Devices & services > OCPP Central shows it charging. Ctrl-C stops.\n",
            flush=True,
        )
        while hass.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        stop(sim, "the simulator")
        stop(hass, "Home Assistant")


if __name__ == "__main__":
    main()
