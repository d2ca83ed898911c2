"""The shell of the HTML report: its CSS, its few lines of script, the page template.

Both the CSS and the script are inline; the Content-Security-Policy allows exactly
these two (by their SHA-256), so the page fetches nothing and runs nothing else.
:data:`PAGE` is filled by :func:`~.report_html.render_html` with :data:`ASSETS` and
the report's parts (``title``, ``header``, ``agent_heads``, ``matrix``, ``failures``,
``sections``, ``data``), each already escaped; ``data`` is the ``<template>`` of
:mod:`.report_html_data`, which the script reads when the page has loaded.
"""

from __future__ import annotations

import base64
import hashlib
from string import Template

__all__ = ["ASSETS", "PAGE"]

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;color:#1b1b1b;margin:1.5rem auto;max-width:80rem;
padding:0 1rem}h1{font-size:1.5rem;margin:0 0 .5rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
h3{margin:1.2rem 0 .4rem}h4{margin:.8rem 0 .3rem}caption{text-align:left;font-weight:600}
table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem;
text-align:left;vertical-align:top}dt{font-weight:600}dd{margin:0}
dl.meta,dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}
code{font:13px/1.4 ui-monospace,monospace;overflow-wrap:anywhere}
.matrix td{min-width:10rem}.matrix td a{display:block;color:inherit;text-decoration:none}
.matrix td a:hover strong{text-decoration:underline}.counts{display:block;font-size:.85em}
.family th{background:#e8e8e8}.empty,.none{color:#666;font-style:italic}
.v-pass{background:#d8f0d8}.v-fail{background:#f8d0d0}.v-info{background:#d6e6fa}
.v-na{background:#e6e6e6}.verdict{display:inline-block;min-width:3.2em;text-align:center;
font-weight:700;border:1px solid #888;border-radius:3px;padding:0 .3em;font-size:.85em}
details.rule{margin:.3rem 0;border:1px solid #ccc;border-radius:4px;padding:.2rem .6rem}
details.case{margin:.3rem 0 .3rem 1rem;border-left:3px solid #bbb;padding-left:.6rem}
details.c-fail{border-left-color:#c0392b}details.c-pass{border-left-color:#3a9a3a}
details.case .body{padding:.2rem 0 .6rem}summary{cursor:pointer;padding:.15rem 0}
.agent{font-weight:600}.agent::before{content:"agent ";font-weight:400;color:#555}
.compare{width:100%}.compare td,.compare th{width:33%}tr.differs>*{background:#fff2b3}
.tag{font-size:.8em;font-weight:700;border:1px solid #a08000;border-radius:3px;padding:0 .25em}
table.kv{font-size:.92em}table.kv table.kv{margin:0}ul.diff,.desc{margin:.3rem 0}
.legend .verdict{margin:0 .3rem 0 .8rem}.legend .verdict:first-child{margin-left:0}
.tools button{margin-right:.4rem}.title{font-weight:400}
.statement{margin:.3rem 0 .5rem;max-width:60rem}.statement p{margin:.25rem 0}
p.caption{font-weight:600;margin:.4rem 0 0}.lazy[data-case]::before{color:#666;font-style:italic;
content:"Facts, expected vs observed and the wire log appear here once the page's script ran."}
"""

_SCRIPT = """
function reveal() {  // open the linked case and every <details> around it
  var el = null;
  try { el = document.getElementById(decodeURIComponent(location.hash.slice(1))); } catch (e) {}
  for (var e = el; e; e = e.parentElement) { if (e.tagName === "DETAILS") { e.open = true; } }
  if (el) { el.scrollIntoView(); }
}
function setAll(open) { document.querySelectorAll("details").forEach(d => { d.open = open; }); }
var data = null;  // each case's details and the wire records (report_html_data)
function fill(d) {
  var slot = d.querySelector(":scope > .body > .lazy[data-case]");
  if (!data || !slot) { return; }
  slot.innerHTML = data.cases[slot.dataset.case] || "";
  slot.removeAttribute("data-case");
  slot.querySelectorAll(".record[data-record]").forEach(r => {
    r.innerHTML = data.records[Number(r.dataset.record)];
  });
}
async function load() {
  var bytes = Uint8Array.from(atob(document.getElementById("report-data").innerHTML.trim()),
    c => c.charCodeAt(0));
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  data = await new Response(stream).json();
  document.querySelectorAll("details.case[open]").forEach(fill);
}
document.addEventListener("toggle", e => { if (e.target.open) { fill(e.target); } }, true);
window.addEventListener("hashchange", reveal);
document.addEventListener("DOMContentLoaded", function () {
  document.getElementById("tools").hidden = false;
  document.getElementById("expand").onclick = () => setAll(true);
  document.getElementById("collapse").onclick = () => setAll(false);
  reveal();
  load();
});
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src $style_hash; \
script-src $script_hash; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title><style>$style</style></head>
<body><header><h1>proxyharness conformance report</h1>$header</header>
<main><section aria-labelledby="matrix"><h2 id="matrix">Rules &times; agents</h2>
<p class="legend"><span class="verdict v-pass">PASS</span> the client follows the rule
<span class="verdict v-fail">FAIL</span> it does not <span class="verdict v-info">INFO</span>
recorded, never gated <span class="verdict v-na">N/A</span> the client cannot express the case</p>
<p>Each cell names its most severe verdict (FAIL, then N/A, INFO, PASS), counts every verdict
and links to its most severe case; a rule links to all its cases.</p>
<table class="matrix"><caption>Verdicts per rule and agent</caption>
<thead><tr><th scope="col">Rule</th>$agent_heads</tr></thead>$matrix</table></section>
<section aria-labelledby="failures"><h2 id="failures">Failures</h2>$failures</section>
<section aria-labelledby="cases"><h2 id="cases">Cases by rule</h2>
<p class="tools" id="tools" hidden><button type="button" id="expand">Expand all</button>
<button type="button" id="collapse">Collapse all</button></p>$sections</section></main>
$data<script>$script</script></body></html>
""")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


ASSETS = {"style": _STYLE, "script": _SCRIPT}
ASSETS |= {"style_hash": _csp_hash(_STYLE), "script_hash": _csp_hash(_SCRIPT)}
