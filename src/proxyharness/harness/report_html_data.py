"""The bulky part of the HTML report, stored once and compressed, and how to put it back.

Each case's details (facts, expected vs observed, wire log) are rendered to HTML by
:mod:`.report_html` like the rest of the page, but kept out of the page's markup: a
case holds an empty ``<div class="lazy" data-case="ANCHOR">`` and a wire record an
empty ``<div class="record" data-record="N">``. The HTML for them sits once in a
``<template id="report-data">``: gzip-compressed JSON (``{"cases": {anchor: html},
"records": [html, ...]}``), base64-encoded; identical wire records are stored once.
The page's script fills a case when it opens; :func:`expand_html` does the same in
Python (for tests and tools that read the page without a browser).
"""

from __future__ import annotations

import base64
import gzip
import json
import re

__all__ = ["Store", "expand_html", "lazy_slot", "record_slot"]

_TEMPLATE = re.compile(r'<template id="report-data">([A-Za-z0-9+/=]*)</template>')
_LAZY = re.compile(r'<div class="lazy" data-case="([a-z0-9-]+)"></div>')
_RECORD = re.compile(r'<div class="record" data-record="(\d+)"></div>')


def lazy_slot(anchor: str) -> str:
    """The empty element the details of the case ``anchor`` go into."""
    return f'<div class="lazy" data-case="{anchor}"></div>'


def record_slot(index: int) -> str:
    """The empty element wire record ``index`` goes into."""
    return f'<div class="record" data-record="{index}"></div>'


class Store:
    """Case details by anchor, and wire records, each distinct record kept once."""

    def __init__(self) -> None:
        self.cases: dict[str, str] = {}
        self.records: list[str] = []
        self._index: dict[str, int] = {}

    def record(self, html: str) -> str:
        """Keep a rendered wire record (once) and return its slot."""
        if html not in self._index:
            self._index[html] = len(self.records)
            self.records.append(html)
        return record_slot(self._index[html])

    def template(self) -> str:
        """The ``<template>`` holding everything kept, compressed (deterministic bytes)."""
        data = json.dumps({"cases": self.cases, "records": self.records}, separators=(",", ":"))
        packed = gzip.compress(data.encode("utf-8"), compresslevel=9, mtime=0)
        return f'<template id="report-data">{base64.b64encode(packed).decode("ascii")}</template>'


def expand_html(html: str) -> str:
    """Return the page with every case's details and wire records put in place."""
    match = _TEMPLATE.search(html)
    if match is None or not match[1]:
        return html
    data = json.loads(gzip.decompress(base64.b64decode(match[1])))
    records: list[str] = data["records"]
    cases: dict[str, str] = data["cases"]
    html = _LAZY.sub(lambda m: f'<div class="lazy">{cases.get(m[1], "")}</div>', html)
    return _RECORD.sub(lambda m: f'<div class="record">{records[int(m[1])]}</div>', html)
