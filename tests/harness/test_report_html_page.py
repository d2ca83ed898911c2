"""Tests for proxyharness.harness.report_html_page: the page shell and its CSP."""

from __future__ import annotations

import base64
import hashlib
import re

from proxyharness.harness.report_html_page import ASSETS, PAGE

PARTS = ("title", "header", "agent_heads", "matrix", "failures", "sections", "data")


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def test_csp_hashes_are_those_of_the_inline_assets() -> None:
    """The policy allows the inline style and script by their own SHA-256."""
    assert ASSETS["style_hash"] == _hash(ASSETS["style"])
    assert ASSETS["script_hash"] == _hash(ASSETS["script"])


def test_page_needs_exactly_the_assets_and_the_report_parts() -> None:
    """Every placeholder is an asset or a report part; filling them all leaves none."""
    names = {m.group(1) for m in re.finditer(r"\$(\w+)", PAGE.template)}
    assert names == set(ASSETS) | set(PARTS)
    page = PAGE.substitute(ASSETS, **dict.fromkeys(PARTS, "<p>part</p>"))
    assert "$" not in page.replace(ASSETS["script"], "")
    assert page.startswith("<!DOCTYPE html>")
