"""Each chapter ends with its references in full, for JupyterLab, which shows a {cite} as a bare key."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from lab_references import CITE, cited_keys, format_entry, load_bib, references_cell_source  # noqa: E402
from toc_notebooks import toc_notebooks  # noqa: E402

NOTEBOOKS = [str(p) for p in toc_notebooks(ROOT)]
BIB = load_bib()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_last_cell_lists_every_cited_reference_and_the_book_hides_it(notebook):
    nb = json.loads((ROOT / notebook).read_text())
    keys = cited_keys(nb)
    tagged = [c for c in nb["cells"] if "lab-references" in c["metadata"].get("tags", [])]
    if not keys:
        assert not tagged, f"{notebook} cites nothing but has a reference list"
        return
    unknown = [k for k in keys if k not in BIB.entries]
    assert not unknown, f"{notebook} cites {unknown}, which book/references.bib lacks"
    assert len(tagged) == 1 and nb["cells"][-1] is tagged[0], f"{notebook} must end with one 'lab-references' cell"
    assert "remove-cell" in tagged[0]["metadata"]["tags"], "the built book must not show the JupyterLab list"
    assert "".join(tagged[0]["source"]) == references_cell_source(keys, BIB), (
        f"{notebook}: its reference list is out of date; run `.venv/bin/python scripts/lab_references.py`"
    )


def test_the_cite_pattern_reads_every_role_and_several_keys():
    text = "{cite}`a2000x` and {cite:t}`b2001y, c2002z` and {cite:p}`a2000x`"
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [text]}]}
    assert cited_keys(nb) == ["a2000x", "b2001y", "c2002z"]
    assert len(CITE.findall(text)) == 3


def test_an_entry_reads_as_a_reference_not_as_latex():
    text = format_entry(BIB.entries["hochreiter1997long"])
    assert text.startswith("Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.")
    assert "*Neural Computation*, 9(8), 1735–1780." in text
    assert "{" not in text and "\\" not in text
