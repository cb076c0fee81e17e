"""Smoke test of deploy/: the systemd units verify (where systemd-analyze exists), compose.yaml
parses, and every command they run is a real `takedown` command with real options."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from takedown.cli.main import cli

DEPLOY = Path(__file__).parents[2] / "deploy"
LANES = ("poll", "hash", "browser", "notice")


def _exec_start(unit: Path) -> list[str]:
    for line in unit.read_text("utf-8").splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart="))
    raise AssertionError(f"{unit.name} has no ExecStart")


def _takedown_args(argv: list[str]) -> list[str]:
    assert Path(argv[0]).name == "takedown", argv
    return argv[1:]


def _is_a_command(args: list[str]) -> None:
    """`takedown ARGS --help` works: the command exists (the options are checked by click)."""
    words = [a for a in args if not a.startswith("-")][:1]
    result = CliRunner().invoke(cli, [*words, "--help"])
    assert result.exit_code == 0, (args, result.output)
    for option in (a for a in args if a.startswith("--")):
        assert option in result.output, (option, args)


def test_units_name_real_commands() -> None:
    web = _takedown_args(_exec_start(DEPLOY / "takedown-web.service"))
    assert web[0] == "web"
    _is_a_command(web)
    worker = _takedown_args(_exec_start(DEPLOY / "takedown-worker@.service"))
    assert worker[:3] == ["worker", "--lanes", "%i"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_units_verify(tmp_path: Path) -> None:
    # systemd-analyze wants the ExecStart binary to exist: point it at a stand-in.
    fake = tmp_path / "takedown"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    for name in ("takedown-web.service", "takedown-worker@.service"):
        text = (
            (DEPLOY / name)
            .read_text("utf-8")
            .replace("/opt/takedown/.venv/bin/takedown", str(fake))
        )
        target = tmp_path / (name.replace("@.", "@hash.") if "@" in name else name)
        target.write_text(text)
        out = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(target)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        problems = [
            line
            for line in (out.stderr + out.stdout).splitlines()
            if target.name in line and ("Unknown" in line or "Invalid" in line or "Failed" in line)
        ]
        assert not problems, problems


def test_compose_has_postgres_redis_web_and_one_worker_per_lane() -> None:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    services = doc["services"]
    assert {"postgres", "redis", "web"} <= set(services)
    assert services["web"]["command"][:2] == ["takedown", "web"]
    _is_a_command(services["web"]["command"][1:])
    for lane in LANES:
        command = services[f"worker-{lane}"]["command"]
        assert command == ["takedown", "worker", "--lanes", lane]
    env = services["web"]["environment"]
    assert env["TAKEDOWN_QUEUE_URL"].startswith("redis://")
    assert env["TAKEDOWN_MODE"] == "production"
    for key in ("TAKEDOWN_VAULT_KEY_FILE", "TAKEDOWN_SESSION_SECRET_FILE"):
        assert env[key].startswith("/run/secrets/")
