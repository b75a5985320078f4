"""The record behind the book's "Proof of equality" page: what each torch cross-check compared, and how closely.

Every test that compares a lessonpkg component with PyTorch calls ``record`` once per compared case::

    from equality_log import record
    record("LSTM", ["out", "h_n", "c_n", "dx", "dweight_ih_l0", ...], shape=(T, N, D, H), rel_err=worst)

``component`` is the public name (``lp.LSTM``'s is "LSTM"; functions by their name, e.g. "clip_grad_norm_").
``compared`` names the outputs and gradients that were checked; ``shape`` describes the swept case
(a tuple or a short string); ``rel_err`` is the worst normwise relative error over the compared arrays.
The records of a session are kept in ``RECORDS``; tests/conftest.py writes them out at the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterable

RECORDS: list[dict] = []
SESSION: dict = {}  # {"complete": True} when pytest collected the whole unit suite (see conftest.py)


def record(component: str, compared: Iterable[str], shape, rel_err: float) -> None:
    """Append one compared case to the session's log."""
    RECORDS.append({"component": str(component), "compared": sorted(set(map(str, compared))),
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


def public_components() -> dict[str, object]:
    """Every public lessonpkg component, named as a learner reaches it: ``"LSTM"``, ``"init.orthogonal"``.

    That is each class or function at the top level of lessonpkg, and each public class or function
    defined in a module that lessonpkg/__init__.py exports by name (``from . import init, plots``).
    """
    import inspect

    import lessonpkg

    def is_component(obj) -> bool:
        return inspect.isclass(obj) or inspect.isfunction(obj)

    found = {n: o for n, o in vars(lessonpkg).items() if not n.startswith("_") and is_component(o)}
    import types

    subpackages = {"apps", "data", "decode", "models", "nn", "notebook", "optim", "testing", "train"}
    exported = [n for n, o in vars(lessonpkg).items()
                if isinstance(o, types.ModuleType) and not n.startswith("_") and n not in subpackages]
    exported.append("data")
    top = set(map(id, found.values()))
    for mod_name in exported:
        mod = getattr(lessonpkg, mod_name)
        for n, o in vars(mod).items():
            if (not n.startswith("_") and is_component(o) and id(o) not in top
                    and getattr(o, "__module__", "").startswith(mod.__name__)):
                found[f"{mod_name}.{n}"] = o
    return dict(sorted(found.items()))
