"""Checks of the built Reference part: the API entries, the generated tables, search and reader features."""

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "tests"))
import equality_log  # noqa: E402
from no_torch_counterpart import NO_TORCH_COUNTERPART  # noqa: E402

pytestmark = pytest.mark.skipif(not (HTML / "index.html").exists(), reason="the book is not built")


def inventory() -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(HTML / "objects.inv", "rb") as f:
        inv = InventoryFile.load(f, "", lambda base, uri: uri)
    return {name for entries in inv.values() for name in entries}


def test_every_top_level_name_has_an_api_entry():
    import lessonpkg

    documented = inventory()
    for name in dir(lessonpkg):
        obj = getattr(lessonpkg, name)
        if name.startswith("_") or isinstance(obj, str):
            continue
        target = obj.__name__ if hasattr(obj, "__path__") or type(obj).__name__ == "module" \
            else f"{obj.__module__}.{obj.__qualname__}"
        assert target in documented, f"lp.{name} ({target}) has no entry in the API reference"


def test_equality_page_shows_the_generated_table():
    page = (HTML / "book" / "reference" / "equality.html").read_text(encoding="utf-8")
    report = json.loads(equality_log.OUTPUT.read_text())
    assert "Generated on " + report["generated"] in page
    for name in [*report["components"], *NO_TORCH_COUNTERPART]:
        assert f">{name}<" in page, f"{name} is missing from the Proof of equality page"


def test_speed_page_quotes_the_machine_and_the_targets():
    page = (HTML / "book" / "reference" / "speed.html").read_text(encoding="utf-8")
    report = json.loads((ROOT / "benchmarks" / "results" / "recurrent.json").read_text())
    assert report["machine"]["cpu"] in page and report["machine"]["date"] in page
    assert len(re.findall(r": (?:met|NOT met)<", page)) == len(report["rows"])


def test_search_index_covers_the_chapters():
    index = (HTML / "searchindex.js").read_text(encoding="utf-8")
    assert "book/part2/lstm" in index and '"forget"' in index


def test_notebook_pages_offer_download_and_copy_buttons_and_no_link_to_a_missing_repository():
    page = (HTML / "book" / "part2" / "lstm.html").read_text(encoding="utf-8")
    assert "_sources/book/part2/lstm.ipynb" in page  # the .ipynb download
    assert "copybutton.js" in page
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = ((config.get("repository") or {}).get("url") or "").rstrip("/")
    launch = config.get("launch_buttons") or {}
    # Launch buttons exactly when _config.yml turns them on (tests/test_project.py checks its address).
    assert ("mybinder.org/v2/gh/" in page) == bool(launch.get("binderhub_url"))
    assert ("colab.research.google.com/github/" in page) == bool(launch.get("colab_url"))
    for html in HTML.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "rnn-from-scratch/rnn-from-scratch" not in text, f"{html.name} links to the placeholder repository"
        if not url:  # no repository named: no page may offer a launch or repository link
            assert "mybinder.org/v2" not in text and "colab.research.google.com/github" not in text, (
                f"{html.name} offers a launch button, but _config.yml names no repository")
