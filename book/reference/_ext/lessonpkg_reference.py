"""Sphinx extension for the book's Reference part: every table there is generated, none is typed by hand.

Directives (used inside ``{eval-rst}`` blocks of the pages in book/reference/):

``lessonpkg-modules PACKAGE``
    One section per public module of PACKAGE (found with pkgutil, so a new module appears on the
    next build), each an ``automodule`` of its numpydoc docstrings. ``:exclude:`` names subpackages
    that have their own page.
``lessonpkg-index``
    A table of everything importable as ``lp.<name>``, each linked to its API entry. A name with no
    API entry is an unresolved reference, which fails the strict (nitpicky) build.
``lessonpkg-equality``
    The "Proof of equality" table, from the JSON that tests/conftest.py writes at the end of a
    complete, green run of the unit tests (see ``equality_log.py``). If that file is missing, or was
    produced from other sources than the current ones, the build runs the unit tests first.
``lessonpkg-speed``
    The benchmark table, from benchmarks/results/recurrent.json (written by ``make bench``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

ROOT = Path(__file__).resolve().parents[3]
SPEED_JSON = ROOT / "benchmarks" / "results" / "recurrent.json"
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))
import equality_log  # noqa: E402  (tests/equality_log.py: the JSON's location, the sources digest, the exempt list)

logger = logging.getLogger(__name__)


# -- which modules and names are public ---------------------------------------------------------------
def public_modules(package: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """PACKAGE's public modules and subpackages, recursively, minus ``exclude``; names starting with _ are private."""
    pkg = importlib.import_module(package)
    found = []
    for info in pkgutil.iter_modules(pkg.__path__, prefix=package + "."):
        if info.name.rsplit(".", 1)[1].startswith("_") or info.name in exclude:
            continue
        found.append(info.name)
        if info.ispkg:
            found += public_modules(info.name, exclude)
    return sorted(found)


def top_level_names() -> dict[str, object]:
    """Everything importable as ``lp.<name>`` (lessonpkg's public top level), sorted by name."""
    import lessonpkg

    return {n: getattr(lessonpkg, n) for n in sorted(dir(lessonpkg))
            if not n.startswith("_") and not isinstance(getattr(lessonpkg, n), str)}


def target_of(obj) -> tuple[str, str]:
    """The (role, full name) under which autodoc documents ``obj``."""
    if isinstance(obj, types.ModuleType):
        return "mod", obj.__name__
    return ("class" if inspect.isclass(obj) else "func"), f"{obj.__module__}.{obj.__qualname__}"


def summary_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


# -- small node builders ------------------------------------------------------------------------------
def xref(role: str, target: str, text: str, refdoc: str) -> addnodes.pending_xref:
    ref = addnodes.pending_xref("", refdomain="py", reftype=role, reftarget=target, refexplicit=True,
                                refwarn=True, refdoc=refdoc)
    ref += nodes.literal(text, text, classes=["xref", "py", f"py-{role}"])
    return ref


def cell(content) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    for part in content if isinstance(content, list) else [content]:
        para += nodes.Text(part) if isinstance(part, str) else part
    entry += para
    return entry


def table(headers: list[str], rows: list[list], widths: list[int], classes=()) -> nodes.table:
    tab = nodes.table(classes=["colwidths-auto", *classes])  # auto: the columns fit the page's width
    group = nodes.tgroup(cols=len(headers))
    tab += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    row = nodes.row()
    for h in headers:
        row += cell(h)
    head += row
    group += head
    body = nodes.tbody()
    for r in rows:
        row = nodes.row()
        for c in r:
            row += cell(c)
        body += row
    group += body
    return tab


def para(*parts) -> nodes.paragraph:
    p = nodes.paragraph()
    for part in parts:
        p += nodes.Text(part) if isinstance(part, str) else part
    return p


# -- API reference ------------------------------------------------------------------------------------
class LessonpkgModules(SphinxDirective):
    """One section per public module of a package, each an automodule."""

    required_arguments = 1
    option_spec = {"exclude": directives.unchanged}

    def run(self):
        package = self.arguments[0]
        exclude = tuple(self.options.get("exclude", "").split())
        sections = []
        for mod in public_modules(package, exclude):
            section = nodes.section(ids=[nodes.make_id(f"api {mod}")], names=[nodes.fully_normalize_name(mod)])
            section += nodes.title(mod, "", nodes.literal(mod, mod))
            lines = [f".. automodule:: {mod}", "   :members:", "   :undoc-members:", "   :show-inheritance:"]
            nested_parse_with_titles(self.state, StringList(lines, source=f"<api {mod}>"), section)
            sections.append(section)
        return sections


class LessonpkgIndex(SphinxDirective):
    """Every ``lp.<name>``, its kind, its summary line, linked to the API entry."""

    def run(self):
        rows = []
        for name, obj in top_level_names().items():
            role, target = target_of(obj)
            kind = {"mod": "module", "class": "class", "func": "function"}[role]
            summary, _ = self.state.inline_text(summary_line(obj), self.lineno)
            rows.append([xref(role, target, f"lp.{name}", self.env.docname), kind, summary])
        return [table(["name", "kind", "what it is"], rows, [22, 10, 68])]


# -- Proof of equality ---------------------------------------------------------------------------------
def ensure_equality_json(app) -> None:
    """Run the unit tests if equality.json is missing or was produced from other sources than these."""
    path = equality_log.OUTPUT
    if path.exists() and json.loads(path.read_text()).get("sources_digest") == equality_log.sources_digest():
        return
    logger.info("equality.json is missing or stale: running the unit tests to regenerate it (about a minute)")
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "pytest", "tests", "--ignore=tests/site", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not path.exists():
        tail = "\n".join(result.stdout.splitlines()[-15:])
        logger.warning("the unit tests did not pass, so the Proof of equality table cannot be generated:\n%s", tail)


def compress(names: list[str]) -> str:
    """``dweight_ih_l0, dweight_ih_l1_reverse`` -> ``dweight_ih_l{k}[_reverse]``: one entry per kind of array."""
    import re

    kinds: dict[str, set[bool]] = {}
    for n in names:
        key = re.sub(r"_l\d+", "_l{k}", n)
        reverse = key.endswith("_reverse")
        kinds.setdefault(key.removesuffix("_reverse"), set()).add(reverse)
    return ", ".join(k + ("[_reverse]" if True in r and len(r) == 2 else "_reverse" if True in r else "")
                     for k, r in kinds.items())


def component_ref(name: str, refdoc: str):
    """A link to the component's API entry (``nn.init.orthogonal`` -> lessonpkg.nn.init.orthogonal)."""
    import lessonpkg

    obj = lessonpkg
    for part in name.split("."):
        obj = getattr(obj, part)
    role, target = target_of(obj)
    return xref(role, target, name, refdoc)


class LessonpkgEquality(SphinxDirective):
    """The table of what was compared with torch, from equality.json, and the list of the rest."""

    def run(self):
        from no_torch_counterpart import NO_TORCH_COUNTERPART

        path = equality_log.OUTPUT
        self.env.note_dependency(str(path))
        if not path.exists():
            logger.warning("no %s: run the unit tests (make unit)", path, location=self.get_location())
            return [para("The table is missing: the unit tests have not passed on these sources.")]
        report = json.loads(path.read_text())
        if report["sources_digest"] != equality_log.sources_digest():
            logger.warning("%s is stale: run the unit tests (make unit)", path, location=self.get_location())
        comps = report["components"]
        doc = self.env.docname
        rows = [[component_ref(name, doc), compress(c["compared"]), f"{c['shapes']} / {c['cases']}",
                 f"{c['worst_rel_err']:.0e}" if c["worst_rel_err"] else "0"]
                for name, c in comps.items()]
        worst = max(c["worst_rel_err"] for c in comps.values())
        v = report["versions"]
        intro = para(
            f"Generated on {report['generated']} by ", nodes.literal(text=report["command"]),
            f" (hypothesis profile \"{report['hypothesis_profile']}\", {report['tests_collected']} tests, all passed; "
            f"Python {v['python']}, NumPy {v['numpy']}, PyTorch {v['torch']}), from {report['records']} compared "
            f"cases over {len(comps)} components. The worst relative error anywhere is {worst:.1e}.")
        table1 = table(["component", "compared with torch (outputs and every gradient)", "shapes / cases",
                        "worst error"], rows, [20, 56, 12, 12])
        components = equality_log.public_components()
        exempt_rows = []  # one row per reason: entries that share (why, how) are listed together
        for key, (why, how) in NO_TORCH_COUNTERPART.items():
            if key in components:
                label = [component_ref(key, doc)]
            else:
                count = sum(n.startswith(key + ".") for n in components)
                label = [xref("mod", f"lessonpkg.{key}", key, doc), f" (all {count} names)"]
            if exempt_rows and exempt_rows[-1][1:] == [why, how]:
                exempt_rows[-1][0] += [", ", *label]
            else:
                exempt_rows.append([label, why, how])
        missing = sorted(n for n in components
                         if n not in comps and not equality_log.is_covered(n, NO_TORCH_COUNTERPART))
        if missing:
            logger.warning("public components neither compared nor exempt: %s", missing, location=self.get_location())
        section = nodes.section(ids=["not-compared"], names=["not compared with torch"])
        section += nodes.title("", "Components with no torch counterpart")
        section += para("These are not compared number for number with PyTorch, because torch has no such "
                        "function or the output is a random draw. The list is tests/no_torch_counterpart.py; "
                        "a test fails if a public component is neither here nor in the table above.")
        section += table(["component", "why there is no number-for-number comparison", "how it is tested"],
                         exempt_rows, [22, 40, 38])
        return [intro, table1, section]


# -- Speed --------------------------------------------------------------------------------------------
TARGETS = {"float32": (1.2, "<="), "float64": (0.7, "<")}  # lessonpkg time / torch time


def meets(dtype: str, ratio: float) -> bool:
    bound, op = TARGETS[dtype]
    return ratio <= bound if op == "<=" else ratio < bound


class LessonpkgSpeed(SphinxDirective):
    """The benchmark table from benchmarks/results/recurrent.json, with its machine and the targets."""

    def run(self):
        self.env.note_dependency(str(SPEED_JSON))
        if not SPEED_JSON.exists():
            logger.warning("no %s: run `make bench`", SPEED_JSON, location=self.get_location())
            return [para("The table is missing: run make bench.")]
        report = json.loads(SPEED_JSON.read_text())
        m = report["machine"]
        stat = report["stat"]
        out = [para(
            f"Measured on {m['date']} on {m['cpu']} ({m['cores']} cores, {m['threads']} threads for both "
            f"libraries), NumPy {m['numpy']} with {m['blas']}, PyTorch {m['torch']}; load average "
            f"{m['load_average']} when the run started. Each time is the {stat} of {report['repeats']} "
            "forward + backward passes of one layer, lessonpkg and torch in the same process, same dtype. "
            "Command: ", nodes.literal(text=report.get("command", "python benchmarks/bench_recurrent.py")), ".")]
        if float(m["load_average"]) > float(m["cores"]):
            out.append(para("The machine was busy during this run (load average above its number of cores), "
                            "so these times are not reliable: rerun make bench on an idle machine."))
        rows, met = [], {d: [0, 0] for d in TARGETS}
        for r in report["rows"]:
            ok = meets(r["dtype"], r["ratio"])
            met[r["dtype"]][0] += ok
            met[r["dtype"]][1] += 1
            bound, op = TARGETS[r["dtype"]]
            rows.append([r["cell"], r["dtype"], "(" + ", ".join(map(str, r["shape"])) + ")",
                         f"{r['lessonpkg_ms']:.2f}", f"{r['torch_ms']:.2f}", f"{r['ratio']:.2f}",
                         f"{op} {bound}: " + ("met" if ok else "NOT met")])
        out.append(table(["layer", "dtype", "(T, N, D, H)", f"lessonpkg ms ({stat})", f"torch ms ({stat})",
                          "ratio", "target"], rows, [8, 9, 17, 15, 15, 9, 17]))
        out.append(para("Targets met: " + "; ".join(
            f"{d}, ratio {TARGETS[d][1]} {TARGETS[d][0]}: {k} of {n}" for d, (k, n) in met.items() if n) + "."))
        return out


def public_bases(app, name, obj, options, bases: list) -> None:
    """Show a private base class (``_Loss``) as the public classes it derives from, which have entries."""
    i = 0
    while i < len(bases):
        if getattr(bases[i], "__name__", "").startswith("_"):
            bases[i:i + 1] = [b for b in bases[i].__bases__ if b is not object]
        else:
            i += 1


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Emit each <script> once. Jupyter Book 1.0.4 adds the inline configuration scripts of sphinx-thebe
    and sphinx-togglebutton twice (once with filename None, once with ""), and the second
    ``const THEBE_JS_URL`` is a JavaScript error in the browser."""
    seen, unique = set(), []
    for js in context.get("script_files", []):
        attributes = getattr(js, "attributes", {})
        key = (str(getattr(js, "filename", js) or ""), tuple(sorted(attributes.items())))  # None and "": no file
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"][:] = unique  # in place: later handlers (MathJax's) still add to this list


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("builder-inited", ensure_equality_json)
    app.add_directive("lessonpkg-equality", LessonpkgEquality)
    app.add_directive("lessonpkg-speed", LessonpkgSpeed)
    app.add_directive("lessonpkg-modules", LessonpkgModules)
    app.add_directive("lessonpkg-index", LessonpkgIndex)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
