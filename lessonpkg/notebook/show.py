"""Display the tested source of a lessonpkg object in a notebook or on the book's pages."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path


class SourceView:
    """The source of one object, shown as a highlighted code block.

    In JupyterLab and in the built book it renders as Markdown (a fenced
    ``python`` block). Its plain-text form is the source itself, so strict
    nbval fails as soon as a notebook's stored copy drifts from the package.
    """

    def __init__(self, source: str, origin: str) -> None:
        self.source = source
        self.origin = origin

    def __repr__(self) -> str:
        return f"# {self.origin}\n{self.source}"

    def _repr_markdown_(self) -> str:
        longest = max((len(m) for m in re.findall(r"`+", self.source)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}python\n# {self.origin}\n{self.source}{fence}\n"


def show_source(obj) -> SourceView:
    """Return the source code of a function, class or method, ready to display.

    Parameters
    ----------
    obj : function, class, method or module
        Any object whose source ``inspect.getsource`` can find.

    Returns
    -------
    SourceView
        Displays as a code block headed by the file it comes from, relative to
        the package root (e.g. ``lessonpkg/layers/linear.py``).
    """
    try:
        source = inspect.getsource(obj)
        path = Path(inspect.getsourcefile(obj) or "")
    except (TypeError, OSError) as exc:
        raise TypeError(f"obj must be a function, class, method or module with Python source, got {obj!r}") from exc
    parts = path.parts
    origin = "/".join(parts[parts.index("lessonpkg"):]) if "lessonpkg" in parts else path.name
    source = textwrap.dedent(source)
    return SourceView(source, origin)
