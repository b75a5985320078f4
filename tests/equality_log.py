"""The record behind the book's "Proof of equality" page: what each torch cross-check compared, and how closely.

Every test that compares a lessonpkg component with PyTorch calls ``record`` once per compared case::

    from equality_log import record
    record("LSTM", ["out", "h_n", "c_n", "dx", "dweight_ih_l0", ...], shape=(T, N, D, H), rel_err=worst)

``component`` names the component as a learner reaches it, e.g. "LSTM" (``lp.LSTM``); the log stores its
torch-shaped path ("nn.LSTM", "nn.utils.clip_grad_norm_"), which the book's table shows.
``compared`` names the outputs and gradients that were checked; ``shape`` describes the swept case
(a tuple or a short string); ``rel_err`` is the worst normwise relative error over the compared arrays.
The records of a session are kept in ``RECORDS``; tests/conftest.py writes them out at the end of the run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

RECORDS: list[dict] = []
SESSION: dict = {}  # {"complete": True} when pytest collected the whole unit suite (see conftest.py)


def record(component: str, compared: Iterable[str], shape, rel_err: float) -> None:
    """Append one compared case to the session's log."""
    RECORDS.append({"component": canonical(str(component)), "compared": sorted(set(map(str, compared))),
                    "shape": str(tuple(shape) if isinstance(shape, list | tuple) else shape),
                    "rel_err": float(rel_err)})


# -- the JSON behind the book's page (written by tests/conftest.py, read by book/reference/_ext) -------
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Git-ignored and regenerated, never committed: it is rewritten by every complete, green run of the
# unit tests (`make unit`), and the book build reruns the tests itself when it is missing or stale.
OUTPUT = ROOT / "book" / "reference" / "_generated" / "equality.json"


def sources_digest(root: Path = ROOT) -> str:
    """SHA-256 of lessonpkg's and the unit tests' sources: the JSON is current only if this is unchanged."""
    import hashlib

    h = hashlib.sha256()
    files = [*root.glob("lessonpkg/**/*.py"), *root.glob("tests/*.py")]
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def aggregate(records: list[dict]) -> dict[str, dict]:
    """Per component: the compared names, the distinct shapes, the number of cases and the worst error."""
    out: dict[str, dict] = {}
    for r in records:
        c = out.setdefault(r["component"], {"compared": set(), "shapes": set(), "cases": 0, "worst_rel_err": 0.0})
        c["compared"].update(r["compared"])
        c["shapes"].add(r["shape"])
        c["cases"] += 1
        c["worst_rel_err"] = max(c["worst_rel_err"], r["rel_err"])
    return {name: {"compared": sorted(c["compared"]), "shapes": len(c["shapes"]), "cases": c["cases"],
                   "worst_rel_err": c["worst_rel_err"]} for name, c in sorted(out.items())}


# The subpackages whose names are components. A module listed in a package's ``__all__`` (``nn.init``,
# ``apps.charlm``) is a namespace too; the files that implement a package (``nn.lstm``) are not.
NAMESPACES = ("nn", "optim", "models", "train", "decode", "metrics", "data", "testing", "notebook", "apps",
              "exercises")


@functools.cache
def public_components() -> dict[str, object]:
    """Every public lessonpkg component, named by its torch-shaped path: ``"nn.LSTM"``, ``"nn.init.orthogonal"``.

    That is each public class or function a namespace exports: the names in a subpackage's ``__all__``
    (``lessonpkg.nn.LSTM``), recursively into the modules it lists there (``nn.init``, ``apps.charlm``), or,
    for a namespace without ``__all__`` (``optim``, ``data``), each public class or function it holds. An object
    reachable by several paths is named by the first, shortest one.
    """
    import inspect
    import types

    import lessonpkg

    found: dict[str, object] = {}
    seen: set[int] = set()

    def visit(path: str, mod: types.ModuleType) -> None:
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        home = "lessonpkg" if hasattr(mod, "__all__") else mod.__name__  # without __all__: what mod defines
        for n in names:
            o = getattr(mod, n)
            if isinstance(o, types.ModuleType):
                if hasattr(mod, "__all__") and o.__name__.startswith("lessonpkg."):
                    visit(f"{path}.{n}", o)
            elif ((inspect.isclass(o) or inspect.isfunction(o)) and id(o) not in seen
                  and getattr(o, "__module__", "").startswith(home)):
                seen.add(id(o))
                found[f"{path}.{n}"] = o

    for ns in NAMESPACES:  # breadth first: lessonpkg.nn.LSTM before lessonpkg.nn.lstm.LSTM
        mod = getattr(lessonpkg, ns)
        names = getattr(mod, "__all__", None)
        if names is None:
            visit(ns, mod)
            continue
        for n in names:
            o = getattr(mod, n)
            if not isinstance(o, types.ModuleType) and id(o) not in seen:
                seen.add(id(o))
                found[f"{ns}.{n}"] = o
    for ns in NAMESPACES:
        mod = getattr(lessonpkg, ns)
        for n in getattr(mod, "__all__", ()):
            if isinstance(getattr(mod, n), types.ModuleType):
                visit(f"{ns}.{n}", getattr(mod, n))
    for o in vars(lessonpkg).values():  # a top-level alias no namespace exports: named by its module
        if (inspect.isclass(o) or inspect.isfunction(o)) and id(o) not in seen:
            seen.add(id(o))
            found[f"{o.__module__.removeprefix('lessonpkg.')}.{o.__qualname__}"] = o
    return dict(sorted(found.items()))


def canonical(name: str) -> str:
    """The component name of whatever ``lp.<name>`` is: ``"LSTM"`` -> ``"nn.LSTM"``, ``"init.zeros"`` ->
    ``"nn.init.zeros"``. A name that is already canonical, or a namespace (``"data"``), comes back unchanged."""
    import lessonpkg

    components = public_components()
    if name in components:
        return name
    obj = lessonpkg
    for part in name.split("."):
        obj = getattr(obj, part, None)
    by_id = {id(o): n for n, o in components.items()}
    return by_id.get(id(obj), name)


def is_covered(name: str, keys) -> bool:
    """Whether a component ``name`` is one of ``keys`` or lies in a namespace among them (``"data"`` covers data.*)."""
    return any(name == k or name.startswith(k + ".") for k in keys)
