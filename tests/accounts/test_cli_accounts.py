"""`takedown token create/list/revoke` and `takedown user passwd`, through the click commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from takedown.accounts.sessions import lookup, open_session
from takedown.accounts.tokens import authenticate, parse_duration
from takedown.cli.main import cli
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import User


def _run(home: Path, *args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_token_create_list_revoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    secret = (
        _run(
            home, "token", "create", "--role", "partner", "--name", "platform-a", "--expires", "90d"
        )
        .strip()
        .splitlines()[-1]
    )
    assert secret.startswith("tdk_")
    _run(home, "token", "create", "--role", "viewer", "--name", "dash")
    listed = json.loads(_run(home, "token", "list", "--json"))
    assert [(t["name"], t["role"], t["state"]) for t in listed] == [
        ("platform-a", "partner", "active"),
        ("dash", "viewer", "active"),
    ]
    assert listed[0]["expires_at"] and listed[1]["expires_at"] is None
    assert secret not in json.dumps(listed)
    assert "revoked" in _run(home, "token", "revoke", "platform-a")
    assert json.loads(_run(home, "token", "list", "--json"))[0]["state"] == "revoked"
    rt = Runtime(Settings(home=home))
    try:
        with rt.db.session() as s:
            assert authenticate(s, secret) is None
    finally:
        rt.close()
    missing = CliRunner().invoke(cli, ["--home", str(home), "token", "revoke", "nobody"])
    assert missing.exit_code != 0 and "no live token" in missing.output
    bad = CliRunner().invoke(
        cli, ["--home", str(home), "token", "create", "--role", "viewer", "--expires", "soon"]
    )
    assert bad.exit_code != 0 and "duration" in bad.output


def test_durations() -> None:
    assert parse_duration("90d").days == 90
    assert parse_duration("12h").total_seconds() == 12 * 3600
    assert parse_duration("2w").days == 14


def test_user_passwd_reads_stdin_and_ends_sessions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "user", "create", "ana", "--role", "officer", stdin="first-password\n")
    rt = Runtime(Settings(home=home))
    try:
        with rt.db.session() as s:
            uid = s.execute(select(User.id).where(User.username == "ana")).scalar_one()
            from datetime import timedelta

            sid = open_session(s, uid, timedelta(hours=1))
        _run(home, "user", "passwd", "ana", stdin="second-password\n")
        with rt.db.session() as s:
            assert lookup(s, sid) is None
        from takedown.accounts.users import login

        with rt.db.session() as s:
            assert login(s, "ana", "first-password") is None
            assert login(s, "ana", "second-password") is not None
    finally:
        rt.close()
    short = CliRunner().invoke(cli, ["--home", str(home), "user", "passwd", "ana"], input="short\n")
    assert short.exit_code != 0 and "at least" in short.output
