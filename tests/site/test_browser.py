"""Browser tests of the built site: the book as a reader's browser shows it.

Playwright (the Python package) drives Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``;
no browser is ever downloaded) against ``_build/html`` served on 127.0.0.1. Every page of
``_toc.yml`` is loaded once; the checks below read what that visit recorded. Run after
`jupyter-book build` (the Makefile's `browser-check` target, which installs Chromium if it is missing).
Screenshots of the landing page and of the LSTM chapter are saved to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_files  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import chromium_context  # noqa: E402

LSTM_CHAPTER = "book/part2/lstm"
TIMEOUT_MS = 30_000  # two shared cores: generous, but a hung page still fails in half a minute

TOC = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
ROOT_PAGE = TOC[0]  # the landing page: index.html redirects to the toc's root


def source_of(entry: str) -> Path:
    hits = [p for p in (ROOT / f"{entry}.md", ROOT / f"{entry}.ipynb") if p.exists()]
    assert len(hits) == 1, f"_toc.yml entry {entry!r} must match exactly one .md or .ipynb file"
    return hits[0]


# Code fences (``` or ~~~, any language, {code-cell}, {code-block}, ...) whose dollars are not math.
# Fences of other directives ({exercise}, {solution}, {math}, ...) keep their text: it may hold math.
_CODE_FENCE = re.compile(
    r"^(`{3,}|~{3,})[ \t]*(\{(?:code-cell|code-block|code|literalinclude|sourcecode)\}[^\n]*|[\w+-]*)[ \t]*\n"
    r".*?^\1[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_MATH = re.compile(r"\$\$|(?<![\\$])\$[^\s$][^$\n]*(?<![\s\\])\$|\{math\}|\\begin\{(?:equation|align|gather)")


def prose_of(source: Path) -> str:
    """The markdown a page renders as prose (a notebook's markdown cells), without its code."""
    if source.suffix == ".ipynb":
        import json

        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = source.read_text(encoding="utf-8")
    text = _CODE_FENCE.sub("", text)
    has_role = "{math}" in text
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    return text + ("\n{math}" if has_role else "")


def has_math(entry: str) -> bool:
    return bool(_MATH.search(prose_of(source_of(entry))))


# ----------------------------------------------------------------------------------------------
# The server and the browser


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that leaves a page cancels its pending downloads; the broken pipe is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def base_url():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} is not built: run `make book` (or `jupyter-book build .`) first")
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    with chromium_context(TIMEOUT_MS) as context:
        yield context


@dataclass
class Visit:
    """What one page load recorded."""

    url: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    mathjax: dict | None = None
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


def is_local(url: str, base_url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or (
        parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname == "127.0.0.1"
    )


def open_page(context, base_url: str, path: str, visit: Visit):
    """A new tab that records console errors, failed responses and every request that leaves 127.0.0.1."""
    page = context.new_page()

    def route(route):
        if is_local(route.request.url, base_url):
            route.continue_()
        else:
            visit.outside_requests.append(route.request.url)
            route.abort("blockedbyclient")

    page.route("**/*", route)
    page.on("request", lambda r: None if is_local(r.url, base_url) else visit.outside_requests.append(r.url))
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("response", lambda r: visit.failed_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    response = page.goto(base_url + path, wait_until="load")
    visit.status = response.status if response else None
    return page


def wait_for_mathjax(page) -> dict | None:
    """Wait until MathJax (if the page loads it) has typeset the page; report what it produced."""
    loads_mathjax = page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')")
    if not loads_mathjax:
        return None
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    return page.evaluate(
        """() => {
        const main = document.querySelector('main') || document.body;
        const prose = main.cloneNode(true);
        prose.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, .output')
             .forEach(e => e.remove());
        const text = prose.textContent;
        const raw = [];
        for (const d of ['$$', '\\\\(', '\\\\[']) {
            const i = text.indexOf(d);
            if (i >= 0) raw.push(text.slice(Math.max(0, i - 40), i + 40).replace(/\\s+/g, ' '));
        }
        return {
            typeset: main.querySelectorAll('mjx-container').length,
            errors: Array.from(main.querySelectorAll('mjx-merror')).map(e => e.textContent),
            untypeset: Array.from(main.querySelectorAll('.math'))
                            .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
            raw: raw,
        };
    }"""
    )


@pytest.fixture(scope="session")
def visits(browser, base_url):
    """Load each toc page once, lazily; every check reads the same visit."""
    cache: dict[str, Visit] = {}

    def visit(entry: str) -> Visit:
        if entry not in cache:
            path = f"{entry}.html"
            v = Visit(url=base_url + path)
            page = open_page(browser, base_url, path, v)
            v.mathjax = wait_for_mathjax(page)
            v.images = page.evaluate(
                """() => Array.from(document.images).map(i => ({
                    src: i.getAttribute('src'), alt: i.getAttribute('alt'),
                    loaded: i.complete && i.naturalWidth > 0}))"""
            )
            v.links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
            v.ids = set(
                page.evaluate(
                    """() => Array.from(document.querySelectorAll('[id]')).map(e => e.id)
                        .concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name))"""
                )
            )
            page.close()
            cache[entry] = v
        return cache[entry]

    return visit


def fetch_ids(url: str) -> tuple[int, set[str]]:
    """HTTP status and element ids of a local page that is not in the toc (genindex, search, ...)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read().decode("utf-8", errors="replace") if url.endswith(".html") else ""
            return r.status, set(re.findall(r"""\b(?:id|name)=["']([^"']+)["']""", body))
    except urllib.error.HTTPError as e:
        return e.code, set()


# ----------------------------------------------------------------------------------------------
# One set of checks per page of the table of contents


@pytest.mark.parametrize("entry", TOC)
def test_page_loads_without_console_errors(visits, entry):
    v = visits(entry)
    assert v.status == 200, f"{v.url} answered {v.status}"
    assert not v.failed_responses, f"{entry}: resources failed to load: {v.failed_responses}"
    assert not v.page_errors, f"{entry}: uncaught JavaScript errors: {v.page_errors}"
    assert not v.console_errors, f"{entry}: console errors: {v.console_errors}"


@pytest.mark.parametrize("entry", TOC)
def test_no_request_leaves_localhost(visits, entry):
    v = visits(entry)
    assert not v.outside_requests, f"{entry} requested (blocked) {sorted(set(v.outside_requests))}"


@pytest.mark.parametrize("entry", TOC)
def test_math_is_typeset(visits, entry):
    v = visits(entry)
    if not has_math(entry):
        assert not (v.mathjax and v.mathjax["untypeset"]), f"{entry}: math left untypeset"
        return
    assert v.mathjax is not None, f"{entry}: the source has math but the page does not load MathJax"
    assert v.mathjax["typeset"] > 0, f"{entry}: the source has math but MathJax typeset nothing"
    assert not v.mathjax["errors"], f"{entry}: MathJax could not typeset {v.mathjax['errors']}"
    assert not v.mathjax["untypeset"], f"{entry}: math left untypeset: {v.mathjax['untypeset']}"
    assert not v.mathjax["raw"], f"{entry}: raw TeX delimiters in the text: {v.mathjax['raw']}"


@pytest.mark.parametrize("entry", TOC)
def test_every_image_has_alt_text_and_loads(visits, entry):
    v = visits(entry)
    no_alt = [i["src"] for i in v.images if not (i["alt"] or "").strip()]
    assert not no_alt, f"{entry}: images without alt text: {no_alt}"
    broken = [i["src"] for i in v.images if not i["loaded"]]
    assert not broken, f"{entry}: images that did not load: {broken}"


@pytest.mark.parametrize("entry", TOC)
def test_internal_links_and_anchors_resolve(visits, base_url, entry):
    v = visits(entry)
    by_path = {f"{e}.html": e for e in TOC}
    broken = []
    for link in sorted(set(v.links)):
        if not link.startswith(base_url):
            continue  # links a reader may follow to the outside are not fetched by the browser
        target, fragment = urldefrag(link)
        path = urlsplit(target).path.lstrip("/")
        if path in by_path:
            ids = visits(by_path[path]).ids
            status = 200
        else:
            status, ids = fetch_ids(target)
        if status != 200:
            broken.append(f"{link} ({status})")
        elif fragment and unquote(fragment) not in ids:
            broken.append(f"{link} (no element with id {unquote(fragment)!r})")
    assert not broken, f"{entry}: broken links: {broken}"


# ----------------------------------------------------------------------------------------------
# Features a reader uses


def test_the_math_detector_sees_math_only_in_prose():
    """The math check above must be able to fail: it has to know which pages have math."""
    assert has_math(LSTM_CHAPTER)
    assert _MATH.search("a gate $f_t$ and $$h = Wx$$") and _MATH.search(r"{math}`x` and \begin{align}")
    assert not _MATH.search("no math here, just $5 and a price")
    fenced = "```python\nprint(f'${x}$')\n```\n"
    assert not _MATH.search(_CODE_FENCE.sub("", fenced))


def test_search_for_forget_gate_finds_the_lstm_chapter(browser, base_url):
    v = Visit(url=base_url + "search.html")
    page = open_page(browser, base_url, "search.html?q=forget+gate", v)
    page.wait_for_function("() => (document.querySelector('p.search-summary') || {}).innerText")
    hits = page.eval_on_selector_all("ul.search li a", "as => as.map(a => a.href)")
    summary = page.inner_text("p.search-summary")
    page.close()
    assert any(urlsplit(h).path == f"/{LSTM_CHAPTER}.html" for h in hits), f"{summary!r}: {hits}"
    assert not v.outside_requests and not v.console_errors and not v.page_errors


def test_a_solution_toggles_open(browser, base_url):
    v = Visit(url=base_url + f"{LSTM_CHAPTER}.html")
    page = open_page(browser, base_url, f"{LSTM_CHAPTER}.html", v)
    solution = page.locator(".solution.dropdown").first
    assert solution.count() == 1, "the LSTM chapter has no solution dropdown"
    content = solution.locator("section").first
    page.wait_for_selector(".solution.dropdown .toggle-button", state="attached")
    solution.scroll_into_view_if_needed()
    assert content.is_hidden(), "a solution is shown before the reader asks for it"
    solution.locator(".admonition-title").click()
    content.wait_for(state="visible")
    assert content.is_visible() and content.inner_text().strip()
    page.close()


def test_screenshots_of_the_landing_page_and_the_lstm_chapter(browser, base_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    v = Visit(url=base_url)
    page = open_page(browser, base_url, "index.html", v)
    page.wait_for_url(f"**/{ROOT_PAGE}.html")  # index.html redirects to the toc's root
    wait_for_mathjax(page)
    page.screenshot(path=SCREENSHOTS / "landing.png")
    assert page.title().strip()
    page.goto(base_url + f"{LSTM_CHAPTER}.html", wait_until="load")
    wait_for_mathjax(page)
    page.screenshot(path=SCREENSHOTS / "lstm.png")
    h1 = page.inner_text("main h1")
    # The chapter's first displayed equation, as MathJax typeset it.
    page.locator("main mjx-container[display='true']").first.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "lstm-equations.png")
    page.close()
    assert "LSTM" in h1 or "Long" in h1, h1
    for name in ("landing.png", "lstm.png", "lstm-equations.png"):
        data = (SCREENSHOTS / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, f"{name} is not a real screenshot"
    assert not v.outside_requests and not v.console_errors and not v.page_errors
