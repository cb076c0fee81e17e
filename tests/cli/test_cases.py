"""The bulk commands as an officer runs them: create a case, hash a folder of references (only
hashes kept, a broken file reported), add a source (a private address refused); each --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Reference
from tests.sites.media import sample_image
from tests.support.images import jpeg


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "takedown.cli", *args],
        env={"TAKEDOWN_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_case_references_and_sources_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = _run(
        home, "case", "create", "C-17", "--keyword", "zorblat", "--officer", "kim", "--json"
    )
    assert made.returncode == 0, made.stderr
    case = json.loads(made.stdout)
    assert (case["name"], case["keywords"], case["officer"]) == ("C-17", ["zorblat"], "kim")

    folder = tmp_path / "refs"
    (folder / "sub").mkdir(parents=True)
    for i in range(3):
        (folder / ("sub" if i else "") / f"p{i}.jpg").write_bytes(jpeg(sample_image(i, 1, 320)))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not a picture")
    (folder / "notes.txt").write_text("not media")
    added = _run(home, "case", "add-references", str(case["id"]), str(folder), "--json")
    assert added.returncode == 1  # one file could not be hashed: said, and the rest kept
    out = json.loads(added.stdout)
    assert len(out["added"]) == 3 and [Path(f["path"]).name for f in out["failed"]] == [
        "broken.jpg"
    ]
    rt = Runtime(Settings(home=home), migrate=False)
    try:
        with rt.db.session() as s:
            refs = list(s.execute(select(Reference)).scalars())
        assert len(refs) == 3 and all(r.hashes.get("pdq") for r in refs)
    finally:
        rt.close()
    assert (folder / "p0.jpg").exists(), "the officer's files are left where they were"

    src = _run(home, "source", "add", "https://board.example/list", "--kind", "page",
               "--interval", "60", "--case", str(case["id"]), "--json")  # fmt: skip
    assert src.returncode == 0, src.stderr
    assert json.loads(src.stdout)["case_id"] == case["id"]
    refused = _run(home, "source", "add", "http://10.0.0.5/", "--kind", "page")
    assert refused.returncode != 0 and "private" in refused.stderr.lower()
    listed = json.loads(_run(home, "source", "list", "--json").stdout)
    assert [s["url"] for s in listed] == ["https://board.example/list"]
    cases = json.loads(_run(home, "case", "list", "--json").stdout)
    assert [c["id"] for c in cases] == [case["id"]]
