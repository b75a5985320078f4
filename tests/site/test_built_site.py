"""Checks of the built site in _build/html: every page exists and nothing loads from the internet.

Run after `jupyter-book build` (the Makefile's `site-check` target).
"""

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_files  # noqa: E402

pytestmark = pytest.mark.skipif(not (HTML / "index.html").exists(), reason="the book is not built")


class ResourceParser(HTMLParser):
    """Collect every URL a browser would fetch to render the page (not the links a reader may click)."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source"} and a.get("src"):
            self.fetched.append(a["src"])
        if tag == "img":
            self.images.append(a)
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").split()
            if {"stylesheet", "preload", "icon", "modulepreload", "prefetch"} & set(rel):
                self.fetched.append(a["href"])


def pages() -> list[Path]:
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts)


def test_every_toc_page_is_built():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for entry in toc_files(toc):
        assert (HTML / f"{entry}.html").exists(), f"{entry} is in _toc.yml but was not built"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(HTML)) if HTML.exists() else str(p))
def test_page_fetches_nothing_from_the_network(page):
    parser = ResourceParser()
    text = page.read_text(encoding="utf-8")
    parser.feed(text)
    remote = [u for u in parser.fetched if re.match(r"^(https?:)?//", u)]
    assert not remote, f"{page.name} loads from the network: {remote}"
    for url in parser.fetched:
        if url.startswith("data:"):  # inline, e.g. the music chapter's embedded WAV audio: nothing to fetch
            continue
        local = (page.parent / url.split("?")[0].split("#")[0]).resolve()
        assert local.exists(), f"{page.name} needs {url}, which is not in the built site"
    # CSS @import or url() pointing outside the site would also break offline reading.
    assert not re.search(r"@import\s+url\((['\"])?https?:", text)


def test_mathjax_is_served_locally():
    index = (HTML / "book" / "notation.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in index
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()
    fonts = list((HTML / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert fonts, "MathJax's CHTML fonts must be served from _static too"


def test_every_image_has_alt_text():
    for page in pages():
        parser = ResourceParser()
        parser.feed(page.read_text(encoding="utf-8"))
        for img in parser.images:
            assert (img.get("alt") or "").strip(), f"{page.name}: <img src={img.get('src')!r}> has no alt text"


def test_the_jupyterlab_reference_lists_are_not_in_the_book():
    # scripts/lab_references.py tags them remove-cell: the book renders each {cite} and has a bibliography.
    pages = [p for p in HTML.rglob("*.html") if "The references of this chapter (for JupyterLab)" in p.read_text()]
    assert not pages, f"the JupyterLab reference list is shown in {[p.name for p in pages]}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(HTML)) if HTML.exists() else str(p))
def test_no_directive_is_left_unparsed(page):
    # A fence whose info string holds a backtick is not a fence (CommonMark), so a directive such as
    # ````{admonition} Solution: `f` would show as text, with no warning from the build.
    text = re.sub(r"<pre.*?</pre>", "", page.read_text(encoding="utf-8"), flags=re.S)
    leftovers = re.findall(r"(?:`{3,}|:{3,})\{[\w:-]+\}[^<]{0,40}", text)
    assert not leftovers, f"{page.name} shows unparsed MyST directives: {leftovers[:3]}"
