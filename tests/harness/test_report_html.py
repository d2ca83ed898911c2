"""Tests for proxyharness.harness.report_html."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from proxyharness.harness.report_html import case_anchor, render_html, write_html
from proxyharness.harness.report_html_data import Store, expand_html
from proxyharness.harness.results import CaseResult, RunResult, Verdict
from proxyharness.scenarios import RULES_BY_ID

SECRET = "Zq7-hunter2-secret"
BASIC = base64.b64encode(f"alice:{SECRET}".encode()).decode()
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
EVIL_HEADER = '"><b onmouseover="document.body.dataset.pwned=1">hi</b>'


# -- sample data ---------------------------------------------------------------------------


def _proxy_record(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "listener": "http://127.0.0.1:41001",
        "protocol": "http",
        "peer": ["127.0.0.1", 50312],
        "proxy_tls": None,
        "target_host": "www.example.com",
        "target_port": 80,
        "address_type": "domain",
        "auth_method": None,
        "username": None,
        "password": None,
        "headers": [],
        "reply": "HTTP/1.1 200 Connection established",
        "outcome": "tunneled",
        "bytes_from_client": 212,
        "bytes_to_client": 180,
    }
    return record | fields


def sample_run() -> RunResult:
    """Two agents, ten cases over six families; NOT redacted (a password is on the wire)."""
    ref, legacy = "reference", "legacy-client"

    def case(agent: str, sid: str, verdict: Verdict, **kw: Any) -> CaseResult:
        rule = sid.split(".", 1)[0]
        kw.setdefault("description", f"{rule} holds for {sid.split('.', 1)[1]}.")
        return CaseResult(scenario_id=sid, rule=rule, agent=agent, verdict=verdict, **kw)

    route = {"route": "proxy", "proxy": "A", "protocol": "http"}
    wss = "SEL-03.wss_proxy_first[lower,linux]"
    wss_fail = {
        "expected": route,
        "observed": {"route": "proxy", "proxy": "B", "protocol": "http", "error": None},
        "diff": ("proxy: expected 'A', observed 'B'",),
        "baseline_reason": "legacy-client reads https_proxy before wss_proxy",
        "wire": (_proxy_record(listener="http://127.0.0.1:41002"),),
    }
    creds = {
        "expected": {"credentials": ["alice", SECRET]},
        "observed": {"credentials": ["alice", SECRET], "route": "proxy"},
        "wire": (
            _proxy_record(
                auth_method="basic",
                username="alice",
                password=SECRET,
                request_line="CONNECT www.example.com:80 HTTP/1.1",
                headers=[
                    ["Host", "www.example.com:80"],
                    ["Proxy-Authorization", f"Basic {BASIC}"],
                    ["X-Evil", EVIL_HEADER],
                ],
            ),
            {
                "listener": "ws://127.0.0.1:41100",
                "peer": ["127.0.0.1", 41001],
                "path": "/",
                "headers": [["Host", "www.example.com"]],
                "messages": ["hello"],
                "message_count": 1,
                "outcome": "completed",
            },
        ),
    }
    silent = {
        "expected": {"error": "open-timeout"},
        "observed": {"error": None, "route": "nowhere"},
        "diff": ("error: expected 'open-timeout', observed None", "route: hung for 10 s"),
        "client_error": f"ProxyError: no answer from http://alice:{SECRET}@127.0.0.1:41003",
        "wire": (_proxy_record(reply=None, outcome="fault", fault="silence"),),
    }
    return RunResult(
        agents=(ref, legacy),
        backend="fakes",
        started="2025-01-31T12:00:00+00:00",
        duration=4.2,
        versions={"proxyharness": "0.1.0", "python": "3.11.7", legacy: "legacy 1.2"},
        cases=(
            case(ref, wss, Verdict.PASS, expected=route, observed=route, duration=0.02),
            case(legacy, wss, Verdict.FAIL, **wss_fail),
            case(ref, "SEL-10.cgi_drops_upper", Verdict.INFO, reason="HTTP_PROXY was ignored"),
            case(legacy, "SEL-10.cgi_drops_upper", Verdict.INFO, reason="HTTP_PROXY was used"),
            case(ref, "SEL-11.explicit_wins", Verdict.PASS, expected=route, observed=route),
            case(legacy, "SEL-11.explicit_wins", Verdict.NA, reason="no explicit proxy= argument"),
            case(ref, "HTTP-02.basic_auth", Verdict.PASS, **creds),
            case(ref, "URL-05.no_password_in_errors", Verdict.PASS, description=HOSTILE),
            case(ref, "SOCKS-02.socks5h_sends_name[wss]", Verdict.PASS),
            case(legacy, "ERR-02.silent_proxy_times_out", Verdict.FAIL, **silent),
        ),
    )


# -- a small DOM, enough to look at the page -----------------------------------------------

_VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "col", "area", "base", "source"}


@dataclass(eq=False)
class Node:
    """An element: tag, attributes, children (elements or text)."""

    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """Return the text content, whitespace collapsed."""
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        """Yield this element and every element below it, optionally of one tag."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter(tag)

    def by_id(self, ident: str) -> Node:
        """Return the element with that ``id``."""
        return next(n for n in self.iter() if n.attrs.get("id") == ident)

    def classes(self) -> set[str]:
        """Return the element's classes."""
        return set((self.attrs.get("class") or "").split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    """Parse ``html``, with every case's stored details put in place, into a tree."""
    builder = _Builder()
    builder.feed(expand_html(html))
    builder.close()
    return builder.root


@pytest.fixture(scope="module")
def run() -> RunResult:
    """The sample run."""
    return sample_run()


@pytest.fixture(scope="module")
def html(run: RunResult) -> str:
    """The sample run's report."""
    return render_html(run)


@pytest.fixture(scope="module")
def dom(html: str) -> Node:
    """The sample run's report, parsed."""
    return parse(html)


# -- unit tests ----------------------------------------------------------------------------


def test_nothing_is_fetched(dom: Node, html: str) -> None:
    """The page is standalone: no external resource, links point inside the page only."""
    assert not list(dom.iter("link"))
    assert not list(dom.iter("img"))
    assert not list(dom.iter("iframe"))
    assert all((a.attrs["href"] or "").startswith("#") for a in dom.iter("a"))
    assert all(not s.attrs.get("src") for s in dom.iter("script"))
    assert "url(" not in html
    assert "@import" not in html
    csp = next(m for m in dom.iter("meta") if m.attrs.get("http-equiv"))
    assert "default-src 'none'" in (csp.attrs["content"] or "")


def test_csp_allows_exactly_the_inline_style_and_script(dom: Node) -> None:
    """The CSP hashes match the inline style and script, so both apply and nothing else runs."""
    csp = next(m for m in dom.iter("meta") if m.attrs.get("http-equiv")).attrs["content"] or ""
    for tag, directive in (("style", "style-src"), ("script", "script-src")):
        (element,) = dom.iter(tag)
        source = "".join(c for c in element.children if isinstance(c, str))
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def test_hostile_text_is_escaped(dom: Node, html: str) -> None:
    """A hostile description or header value shows as text and injects no markup."""
    assert HOSTILE not in expand_html(html)
    assert EVIL_HEADER not in expand_html(html)
    assert len(list(dom.iter("script"))) == 1
    assert not any(k.startswith("on") for n in dom.iter() for k in n.attrs)
    assert HOSTILE in dom.text()
    assert EVIL_HEADER in dom.text()


def test_hostile_names_inject_nothing(run: RunResult) -> None:
    """Hostile agent, rule, scenario ID and versions stay text, in content and attributes."""
    evil = '"><u>x</u>'
    case = replace(run.cases[1], agent=f"a{evil}", rule=f"SEL-9{evil}", scenario_id=f"s{evil}")
    hostile = replace(run, agents=(f"a{evil}",), cases=(case,), versions={evil: evil})
    dom = parse(render_html(hostile))
    assert not list(dom.iter("u"))
    assert dom.text().count(evil) >= 5
    assert all(not k.startswith("on") for n in dom.iter() for k in n.attrs)


def test_password_is_masked_in_an_unredacted_run(html: str, dom: Node) -> None:
    """Password fields, credentials, Proxy-Authorization and URL passwords show as ****."""
    assert SECRET not in expand_html(html)
    assert BASIC not in expand_html(html)
    text = dom.by_id(case_anchor("reference", "HTTP-02.basic_auth")).text()
    assert "password ****" in text
    assert "Proxy-Authorization Basic ****" in text
    assert "credentials alice, ****" in text
    failing = dom.by_id(case_anchor("legacy-client", "ERR-02.silent_proxy_times_out")).text()
    assert "http://alice:****@127.0.0.1:41003" in failing


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("proxy was socks5h://bob:pa55word@10.0.0.1:1080", "pa55word"),
        ("sent {'Proxy-Authorization': 'Basic Ym9iOnM0eXNlY3JldA=='}", "s4ysecret"),
        ("sent {'Proxy-Authorization': 'Basic Ym9iOnM0eXNlY3JldA=='}", "Ym9iOnM0eXNlY3JldA=="),
        ("Authorization: Bearer tok-123456", "tok-123456"),
    ],
)
def test_password_is_masked_in_free_text(run: RunResult, text: str, secret: str) -> None:
    """A secret found in free text is masked there and wherever else it appears."""
    case = replace(run.cases[0], reason=text, diff=(f"echo: {secret} leaked",))
    html = expand_html(render_html(replace(run, cases=(case,))))
    assert secret not in html
    assert "****" in html


def test_password_under_any_password_key(run: RunResult) -> None:
    """A value under a key named like password is masked, nested or not; others are kept."""
    observed = {"proxy": {"proxy_password": "n3sted-pw", "bypass": "keep-me"}, "pass": "xyz9"}
    case = replace(run.cases[0], observed=observed, description="mentions n3sted-pw")
    html = expand_html(render_html(replace(run, cases=(case,))))
    assert "n3sted-pw" not in html
    assert "xyz9" not in html
    assert "keep-me" in html


CELLS = {
    ("SEL-03", "reference"): ("v-pass", "PASS 1 PASS"),
    ("SEL-03", "legacy-client"): ("v-fail", "FAIL 1 FAIL"),
    ("SEL-10", "reference"): ("v-info", "INFO 1 INFO"),
    ("SEL-11", "legacy-client"): ("v-na", "N/A 1 N/A"),
    ("HTTP-02", "reference"): ("v-pass", "PASS 1 PASS"),
    ("HTTP-02", "legacy-client"): ("empty", "no cases"),
    ("ERR-02", "legacy-client"): ("v-fail", "FAIL 1 FAIL"),
}


def test_matrix_cells_count_verdicts(dom: Node) -> None:
    """Each cell names its worst verdict in words and counts every verdict."""
    cells = {(td.attrs.get("data-rule"), td.attrs.get("data-agent")): td for td in dom.iter("td")}
    del cells[None, None]
    assert len(cells) == 7 * 2
    for key, (cls, text) in CELLS.items():
        assert cls in cells[key].classes(), key
        assert cells[key].text() == text, key


def test_matrix_mixed_cell_shows_worst_and_all_counts(run: RunResult) -> None:
    """A cell holding PASS, FAIL and N/A shows FAIL and the three counts."""
    extra = [
        replace(run.cases[1], scenario_id=f"SEL-03.x{i}", verdict=v)
        for i, v in enumerate((Verdict.PASS, Verdict.NA, Verdict.PASS))
    ]
    dom = parse(render_html(replace(run, cases=(*run.cases, *extra))))
    (cell,) = (
        td
        for td in dom.iter("td")
        if td.attrs.get("data-rule") == "SEL-03" and td.attrs.get("data-agent") == "legacy-client"
    )
    assert cell.text() == "FAIL 1 FAIL · 1 N/A · 2 PASS"


def test_matrix_is_grouped_by_family_in_catalog_order(dom: Node) -> None:
    """Families come in catalog order, each a row group of its rules, each with its title."""
    groups = [th.text() for th in dom.iter("th") if th.attrs.get("scope") == "rowgroup"]
    assert [g.split(":")[0] for g in groups] == ["SEL", "URL", "SOCKS", "HTTP", "ERR"]
    matrix = next(t for t in dom.iter("table") if "matrix" in t.classes())
    rows = [th.text() for th in matrix.iter("th") if th.attrs.get("scope") == "row"]
    ids = ["SEL-03", "SEL-10", "SEL-11", "URL-05", "SOCKS-02", "HTTP-02", "ERR-02"]
    assert rows == [f"{rule} {RULES_BY_ID[rule].title}" for rule in ids]


@pytest.mark.parametrize("rule", ["SEL-10", "URL-05"])
def test_rule_section_holds_the_statement(dom: Node, rule: str) -> None:
    """A rule's section names its title, states the rule and says how it is judged."""
    known = RULES_BY_ID[rule]
    text = dom.by_id(f"rule-{rule.lower()}").text()
    assert f"{rule} {known.title}" in text
    bare = re.sub(r"[\s`]", "", text)  # `terms` are <code> elements, words between them
    assert re.sub(r"[\s`]", "", known.statement) in bare
    assert ("Leaves open" in text) is bool(known.leaves_open)
    assert re.sub(r"[\s`]", "", known.leaves_open) in bare
    assert ("never gated" in text) is known.info


def test_case_names_its_rule_title(dom: Node) -> None:
    """A case's facts give the rule with its title."""
    node = dom.by_id(case_anchor("reference", "HTTP-02.basic_auth"))
    assert f"Rule HTTP-02: {RULES_BY_ID['HTTP-02'].title}" in node.text()


def test_a_rule_the_catalog_lacks_keeps_its_bare_id(run: RunResult) -> None:
    """A rule unknown to this version (an old report) shows its ID and no statement."""
    old = replace(run.cases[0], scenario_id="OLD-01.x", rule="OLD-01")
    dom = parse(render_html(replace(run, cases=(*run.cases, old))))
    matrix = next(t for t in dom.iter("table") if "matrix" in t.classes())
    rows = [th.text() for th in matrix.iter("th") if th.attrs.get("scope") == "row"]
    assert rows[-1] == "OLD-01"
    assert "Not in this version's rule catalog" in dom.by_id("rule-old-01").text()


def test_every_case_has_an_anchor(run: RunResult, dom: Node) -> None:
    """Every case is a <details> whose id is case_anchor(agent, scenario id), inside its rule."""
    details = [d for d in dom.iter("details") if "case" in d.classes()]
    assert [d.attrs["id"] for d in details].count(None) == 0
    assert {d.attrs["id"] for d in details} == {
        case_anchor(c.agent, c.scenario_id) for c in run.cases
    }
    for c in run.cases:
        node = dom.by_id(case_anchor(c.agent, c.scenario_id))
        assert node.parent is not None
        assert node.parent.attrs["id"] == f"rule-{c.rule.lower()}"


def test_clashing_anchors_stay_unique(run: RunResult) -> None:
    """Two scenario IDs with the same slug still get distinct ids."""
    twins = [replace(run.cases[0], scenario_id=s) for s in ("SEL-03.a[x,y]", "SEL-03.a[x-y]")]
    dom = parse(render_html(replace(run, cases=tuple(twins))))
    ids = [d.attrs["id"] for d in dom.iter("details") if "case" in d.classes()]
    assert len(set(ids)) == 2


def test_fail_cases_show_diff_and_highlight_fields(run: RunResult, dom: Node) -> None:
    """A FAIL case lists its diff lines and marks differing fields in words."""
    for case in (c for c in run.cases if c.verdict is Verdict.FAIL):
        node = dom.by_id(case_anchor(case.agent, case.scenario_id))
        items = [li.text() for ul in node.iter("ul") for li in ul.iter("li")]
        assert items == list(case.diff)
        differing = [tr for tr in node.iter("tr") if "differs" in tr.classes()]
        assert differing
        assert all("differs" in tr.text() for tr in differing)
    node = dom.by_id(case_anchor("legacy-client", "SEL-03.wss_proxy_first[lower,linux]"))
    rows = {tr.text() for tr in node.iter("tr")}
    assert "proxy differs A B" in rows
    assert "route proxy proxy" in rows


def test_differences_list_every_marked_field(run: RunResult) -> None:
    """A field is marked as differing exactly when a diff line names it (echo included)."""
    case = replace(
        run.cases[0],
        verdict=Verdict.FAIL,
        expected={"route": "proxy", "error": None, "echo": True},
        observed={"route": "proxy", "error": "timeout", "echo": False},
        diff=("error: expected none, observed 'timeout'", "echo: expected the message back"),
    )
    node = parse(render_html(replace(run, cases=(case,)))).by_id(
        case_anchor(case.agent, case.scenario_id)
    )
    marked = {tr.text().split()[0] for tr in node.iter("tr") if "differs" in tr.classes()}
    listed = {li.text().split(":")[0] for ul in node.iter("ul") for li in ul.iter("li")}
    assert marked == listed == {"error", "echo"}


def test_matrix_comes_before_the_failures(html: str) -> None:
    """The rules x agents matrix first, the list of failures after it, then the cases."""
    assert html.index('id="matrix"') < html.index('id="failures"') < html.index('id="cases"')


def test_identical_wire_logs_are_stored_once(run: RunResult) -> None:
    """Many cases with the same wire log: the page grows by far less than a log per case."""
    wire = tuple(_proxy_record(listener=f"http://127.0.0.1:4100{n}", n=n) for n in range(4))
    base = replace(run.cases[0], wire=wire)
    cases = [replace(base, scenario_id=f"SEL-01.case-{n}") for n in range(300)]
    with_logs = render_html(replace(run, cases=tuple(cases)))
    without = render_html(replace(run, cases=tuple(replace(c, wire=()) for c in cases)))
    one_log = len(expand_html(render_html(replace(run, cases=(base,))))) - len(
        expand_html(render_html(replace(run, cases=(replace(base, wire=()),))))
    )
    assert len(with_logs) - len(without) < one_log * 2
    expanded = parse(with_logs).by_id(case_anchor(base.agent, "SEL-01.case-299")).text()
    assert "Record 4: http://127.0.0.1:41003" in expanded


def test_store_keeps_each_record_once() -> None:
    """The store hands out one slot per distinct record."""
    store = Store()
    slots = [store.record(html) for html in ("<p>a</p>", "<p>b</p>", "<p>a</p>")]
    assert slots[0] == slots[2] != slots[1]
    assert store.records == ["<p>a</p>", "<p>b</p>"]


@pytest.mark.parametrize(
    ("agent", "scenario", "shown"),
    [
        ("legacy-client", "SEL-03.wss_proxy_first[lower,linux]", "Baseline reason legacy-client"),
        ("legacy-client", "SEL-03.wss_proxy_first[lower,linux]", "FAIL (known: listed in the"),
        ("legacy-client", "SEL-11.explicit_wins", "Reason no explicit proxy= argument"),
        ("reference", "SEL-10.cgi_drops_upper", "Verdict INFO Duration 0.000 s Reason HTTP_"),
        ("legacy-client", "ERR-02.silent_proxy_times_out", "Client error ProxyError: no answer"),
        ("reference", "HTTP-02.basic_auth", "Record 2: ws://127.0.0.1:41100"),
    ],
)
def test_case_shows_its_facts(dom: Node, agent: str, scenario: str, shown: str) -> None:
    """A case shows its verdict, reasons, the client's error and each wire record."""
    assert shown in dom.by_id(case_anchor(agent, scenario)).text()


def test_header_totals_per_agent(dom: Node) -> None:
    """The header shows backend, date, versions, and totals per agent with known FAILs."""
    header = next(dom.iter("header")).text()
    assert "Backend fakes" in header
    assert "2025-01-31T12:00:00+00:00" in header
    assert "legacy-client legacy 1.2" in header
    assert "reference 5 0 1 0 6" in header
    assert "legacy-client 0 2 (1 known) 1 1 4" in header


def test_json_form_renders_the_same(run: RunResult, html: str) -> None:
    """A run read back from its JSON form gives the same page."""
    again = RunResult.from_dict(json.loads(json.dumps(run.to_dict())))
    assert render_html(again) == html


def test_empty_run_renders(tmp_path: Path) -> None:
    """A run without cases still gives a page."""
    dom = parse(render_html(RunResult(agents=("a",), cases=())))
    assert "No cases." in dom.text()
    assert "No failures." in dom.text()


def test_write_html(run: RunResult, tmp_path: Path, html: str) -> None:
    """write_html creates the parent directories and writes the page as UTF-8."""
    path = write_html(run, tmp_path / "report" / "index.html")
    assert path == tmp_path / "report" / "index.html"
    assert path.read_text(encoding="utf-8") == html


# -- in a browser --------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)"
)


def chromium(tmp_path: Path, url: str, *options: str) -> str:
    """Run headless Chromium on ``url`` (no network, fresh profile, 60 s at most)."""
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}", *options, url,
    ]  # fmt: skip
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"chromium did not finish within 60 s: {command}")
        finally:
            with contextlib.suppress(ProcessLookupError):  # helpers left in its group
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, err[-2000:]
    return out


@pytest.fixture
def report(run: RunResult, tmp_path: Path) -> Path:
    """The sample report written to a file."""
    return write_html(run, tmp_path / "report.html")


@needs_chromium
def test_browser_opens_a_linked_case(report: Path, tmp_path: Path) -> None:
    """Following a case link opens the case and its rule; no injected script ran."""
    anchor = case_anchor("legacy-client", "SEL-03.wss_proxy_first[lower,linux]")
    budget = "--virtual-time-budget=5000"  # lets the page unpack the stored details
    dom = parse(chromium(tmp_path, f"{report.as_uri()}#{anchor}", budget, "--dump-dom"))
    case = dom.by_id(anchor)
    assert "open" in case.attrs
    assert case.parent is not None
    assert "open" in case.parent.attrs
    others = [d for d in dom.iter("details") if "open" in d.attrs and d not in (case, case.parent)]
    assert others == []
    assert "hidden" not in dom.by_id("tools").attrs
    assert "proxy: expected 'A', observed 'B'" in case.text()
    assert "Expected vs observed" in case.text()  # filled by the page's script
    assert "proxy differs A B" in {tr.text() for tr in case.iter("tr")}
    assert next(dom.iter("title")).text().startswith("proxyharness conformance report")
    assert "data-pwned" not in next(dom.iter("body")).attrs
    assert len(list(dom.iter("script"))) == 1
    assert not list(dom.iter("img"))
    assert SECRET not in dom.text()
    assert HOSTILE in dom.text()


def _png_colours(png: bytes, wanted: set[bytes]) -> tuple[int, int, set[bytes]]:
    """Decode an 8-bit RGB(A) PNG; return its size and which ``wanted`` RGB colours it has."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour_type = struct.unpack(">IIBB", png[16:26])
    assert depth == 8
    assert colour_type in (2, 6)
    bpp = 3 if colour_type == 2 else 4
    data, offset = bytearray(), 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        if png[offset + 4 : offset + 8] == b"IDAT":
            data += png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw, stride = zlib.decompress(data), width * bpp
    previous, found = bytearray(stride), set()
    for y in range(height):  # undo each row's filter (PNG spec, section 9)
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 :][:stride])
        if kind == 2:
            line = bytearray((x + b) & 255 for x, b in zip(line, previous, strict=True))
        elif kind:
            for i in range(stride):
                a, b = line[i - bpp] if i >= bpp else 0, previous[i]
                if kind == 3:
                    a = (a + b) // 2
                elif kind == 4:
                    c = previous[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    a = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + a) & 255
        found |= wanted & {bytes(line[i : i + 3]) for i in range(0, stride, bpp)}
        previous = line
        if found == wanted:
            break
    return width, height, found


@needs_chromium
def test_browser_renders_the_page(report: Path, tmp_path: Path) -> None:
    """Chromium draws the page at full size, styled: the matrix shows every verdict colour."""
    shot = tmp_path / "shot.png"
    chromium(tmp_path, report.as_uri(), f"--screenshot={shot}", "--window-size=1280,2000")
    css = re.findall(r"\.v-(pass|fail|info|na)\{background:#([0-9a-f]{6})\}", report.read_text())
    assert len(css) == 4
    width, height, found = _png_colours(shot.read_bytes(), {bytes.fromhex(c) for _, c in css})
    assert (width, height) == (1280, 2000)
    assert found == {bytes.fromhex(c) for _, c in css}
