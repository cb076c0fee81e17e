"""The evidence report as PDF (WeasyPrint, Noto CJK fonts), bilingual Korean and English.

Page text from the monitored site is escaped, and the renderer may load nothing but the
``data:`` URIs we embed: a hostile page cannot make the report fetch anything.
"""

from __future__ import annotations

import base64

from jinja2 import Environment
from PIL import ImageFile

from takedown.evidence.reports.content import LABELS, ReportContent

# WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported; the
# pipeline's decoder must keep refusing truncated files, so the setting is put back at once.
_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated


MEDIA_TYPE = "application/pdf"

_TEMPLATE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{{ L.title[0] }} {{ c.case_reference }}</title>
<style>
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages);
  font-size: 8pt; font-family: "Noto Sans CJK KR", sans-serif; } }
body { font-family: "Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", sans-serif;
  font-size: 9.5pt; line-height: 1.45; }
h1 { font-size: 15pt; margin: 0 0 4mm; } h2 { font-size: 11pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 0.4pt solid #888; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eee; font-weight: bold; }
.facts th { width: 32%; }
.hash td { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
.en { color: #555; font-weight: normal; font-size: 8pt; }
.excerpt { white-space: pre-wrap; border: 0.4pt solid #ccc; padding: 2mm; font-size: 9pt; }
img.thumb { width: 35mm; }
</style></head><body>
{% macro label(key) %}{{ L[key][0] }} <span class="en">{{ L[key][1] }}</span>{% endmacro %}
<h1>{{ label("title") }}</h1>
{% if c.center_name %}<p>{{ c.center_name }}</p>{% endif %}
<table class="facts">
{% for key, value in facts %}<tr><th>{{ label(key) }}</th><td>{{ value }}</td></tr>{% endfor %}
</table>
{% if c.matches %}<h2>{{ label("matches") }}</h2>
<table><col style="width:20%"><col style="width:14%"><col style="width:10%"><col>
<tr><th>{{ label("reference") }}</th><th>{{ label("algorithm") }}</th>
<th>{{ label("distance") }}</th><th>{{ label("media_url") }}</th></tr>
{% for m in c.matches %}<tr><td>{{ m.reference }}</td><td>{{ m.algorithm }}</td>
<td>{{ "%g"|format(m.distance) }}</td><td>{{ m.media_url or "" }}</td></tr>{% endfor %}
</table>
{% if c.matches|selectattr("segments")|list %}<h3>{{ label("segments") }}</h3>
<ul>{% for m in c.matches %}{% for s in m.segments %}<li>{{ m.reference }}: {{ s.line() }}</li>
{% endfor %}{% endfor %}</ul>{% endif %}{% endif %}
<h2>{{ label("urls") }}</h2>
<ul>{% for url in c.urls %}<li>{{ url }}</li>{% endfor %}</ul>
<h2>{{ label("hashes") }}</h2>
<table class="hash"><col style="width:24%"><col style="width:11%"><col style="width:12%"><col>
<tr><th>{{ label("name") }}</th><th>{{ label("kind") }}</th>
<th>{{ label("size") }}</th><th>SHA-256</th></tr>
{% for a in c.artifacts %}<tr><td>{{ a.name }}</td><td>{{ a.kind }}</td><td>{{ a.size }}</td>
<td>{{ a.sha256 }}</td></tr>{% endfor %}
</table>
{% if thumbnail %}<h2>{{ label("thumbnail") }}</h2>
<img class="thumb" src="data:image/png;base64,{{ thumbnail }}" alt="">{% endif %}
<h2>{{ label("excerpt") }}</h2>
<div class="excerpt">{{ c.excerpt }}</div>
{% if c.notes %}<h2>{{ label("notes") }}</h2>
<ul>{% for note in c.notes %}<li>{{ note }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""


def render_html(content: ReportContent) -> str:
    env = Environment(autoescape=True)
    facts = [
        ("case", content.case_reference),
        ("evidence", content.evidence_key),
        ("site", content.site),
        ("page_url", content.page_url),
        ("final_url", content.final_url),
        ("captured_utc", content.captured_utc),
        ("captured_local", content.captured_local),
        ("software", content.software),
        ("custody", content.custody_entry_id),
    ]
    thumbnail = base64.b64encode(content.thumbnail_png).decode() if content.thumbnail_png else ""
    return env.from_string(_TEMPLATE).render(c=content, L=LABELS, facts=facts, thumbnail=thumbnail)


def render_pdf(content: ReportContent) -> bytes:
    """Build the report and return the PDF bytes (fonts embedded)."""
    pdf = HTML(
        string=render_html(content), url_fetcher=URLFetcher(allowed_protocols=("data",))
    ).write_pdf()
    if not isinstance(pdf, bytes):
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
