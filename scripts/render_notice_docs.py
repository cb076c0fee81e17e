"""Write docs/notices.md from the templates, catalogues and regimes data file."""

from __future__ import annotations

from pathlib import Path

from takedown.notices.examples import render_docs

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "notices.md"
    target.write_text(render_docs(), "utf-8")
    print(f"wrote {target}")
