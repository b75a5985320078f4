"""Write, at the end of each chapter, the list of its references for readers in JupyterLab.

JupyterLab (with jupyterlab-myst) cannot resolve a ``{cite}`` role against ``book/references.bib``: it shows
the citation key, such as ``hochreiter1997long``, with a warning sign. So each chapter ends with one markdown
cell that lists the keys it cites with their full references, taken from ``book/references.bib``. The cell is
tagged ``remove-cell``, so the built book, which renders every citation and has its own bibliography, does
not show it. ``tests/test_lab_references.py`` fails when a chapter's list is missing or out of date.

Run from the repository root after adding or removing a citation::

    .venv/bin/python scripts/lab_references.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_notebooks  # noqa: E402

TAGS = ["remove-cell", "lab-references"]
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
HEADING = "### The references of this chapter (for JupyterLab)"


def cited_keys(nb) -> list[str]:
    """The citation keys a notebook's markdown cites, in order of first use."""
    keys = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown" or "lab-references" in cell.get("metadata", {}).get("tags", []):
            continue
        for group in CITE.findall("".join(cell["source"])):
            for key in (k.strip() for k in group.split(",")):
                if key and key not in keys:
                    keys.append(key)
    return keys


def _latex_to_text(s: str) -> str:
    """Undo the few LaTeX escapes the bibliography uses: braces, accents, \\&, --."""
    accents = {"\\\"u": "ü", "\\\"o": "ö", "\\\"a": "ä", "\\'e": "é", "\\`e": "è", "\\'a": "á", "\\c{c}": "ç",
               "\\\"U": "Ü", "\\\"O": "Ö", "\\'E": "É", "\\~n": "ñ", "\\'o": "ó", "\\'i": "í", "\\ss": "ß"}
    for tex, char in accents.items():
        s = s.replace("{" + tex + "}", char).replace(tex, char)
    return s.replace("\\&", "&").replace("--", "–").replace("{", "").replace("}", "")


def format_entry(entry) -> str:
    """One reference in plain Markdown: authors (year). Title. Venue, volume(number), pages."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_latex_to_text(" ".join(p.last_names)) + ", " + "".join(f"{n[0]}." for n in p.first_names + p.middle_names)
             for p in people]
    authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "Anonymous"
    f = {k.lower(): _latex_to_text(v) for k, v in entry.fields.items()}
    parts = [f"{authors} ({f.get('year', 'n.d.')}). {f.get('title', '').rstrip('.')}."]
    venue = f.get("journal") or f.get("booktitle") or f.get("publisher") or f.get("howpublished") or ""
    if f.get("eprint"):
        venue = venue or f"arXiv:{f['eprint']}"
    if venue:
        detail = f"*{venue}*" if entry.type in ("article", "inproceedings", "book") else venue
        if f.get("volume"):
            detail += f", {f['volume']}" + (f"({f['number']})" if f.get("number") else "")
        if f.get("pages"):
            detail += f", {f['pages']}"
        parts.append(f"{detail}.")
    if f.get("doi"):
        parts.append(f"doi:{f['doi']}")
    return " ".join(parts)


def references_cell_source(keys, bib) -> str:
    lines = [HEADING, "",
             "JupyterLab shows a citation as its key. The built book renders each one and links it to the",
             "bibliography; here are this chapter's, in order of first citation.", ""]
    lines += [f"- **{key}**: {format_entry(bib.entries[key])}" for key in keys]
    return "\n".join(lines)


def update(path: Path, bib) -> bool:
    """Rewrite ``path``'s references cell; return whether the file changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    keys = cited_keys(nb)
    cells = [c for c in nb.cells if "lab-references" in c.metadata.get("tags", [])]
    if not keys:
        if not cells:
            return False
        nb.cells = [c for c in nb.cells if c not in cells]
    else:
        source = references_cell_source(keys, bib)
        if cells and cells[0].source == source and nb.cells[-1] is cells[0]:
            return False
        nb.cells = [c for c in nb.cells if c not in cells]
        cell = cells[0] if cells else nbformat.v4.new_markdown_cell()
        cell.source, cell.metadata["tags"] = source, list(TAGS)
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return True


def load_bib():
    import pybtex.database

    return pybtex.database.parse_file(ROOT / "book" / "references.bib")


def main() -> None:
    bib = load_bib()
    for path in toc_notebooks(ROOT):
        if update(ROOT / path, bib):
            print("updated", path)


if __name__ == "__main__":
    main()
