"""Print the notebooks that _toc.yml lists, one path per line (used by `make nbval`)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files(node) -> list[str]:
    """Return every ``file`` and ``root`` entry of a jupyter-book _toc.yml, in order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (list, dict)):
                found.extend(toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(toc_files(item))
    return found


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the .ipynb files that _toc.yml lists, as paths relative to ``root``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [Path(f) for f in toc_files(toc)]
    return [e.with_suffix(".ipynb") for e in entries if (root / e.with_suffix(".ipynb")).exists()]


if __name__ == "__main__":
    notebooks = toc_notebooks()
    if not notebooks:
        sys.exit("_toc.yml lists no notebooks")
    print("\n".join(str(p) for p in notebooks))
