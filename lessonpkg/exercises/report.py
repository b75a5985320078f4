"""The checker's verdict (``Report``) and the plain-words diagnosis behind it.

Every check compares what a learner's function returned with the right
answer and turns each difference into one sentence that names the faulty
output or gradient: its shape, its structure (a tuple where a dict was due), a
NaN, a gate block of rows, a sign, a factor, a transposition. An exception
raised inside the learner's function is reported with its type, its message
and the learner's own line, never with the checker's traceback.
"""

from __future__ import annotations

import html
import linecache
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lessonpkg.testing.gradcheck import rel_error

TOL = 1e-7  # largest relative error (``rel_error``, elementwise) that passes; float64 agrees to ~1e-13
NOT_IMPLEMENTED = ("not implemented yet: replace the `raise NotImplementedError` with your code, "
                   "then run this cell again")
LSTM_GATES = ("input gate (i)", "forget gate (f)", "cell candidate (g)", "output gate (o)")
GRU_GATES = ("reset gate (r)", "update gate (z)", "candidate (n)")
_PACKAGE = str(Path(__file__).resolve().parents[1])  # lessonpkg/: its frames are never the learner's


@dataclass
class Report:
    """The verdict of ``lessonpkg.exercises.check``: ``.passed`` and ``.problems``, a list of plain sentences.

    Printed (or shown as a notebook cell's result) it reads as one line when the
    function passed, e.g. ``lstm_cell_backward: passed (7 checks on 3 random shapes)``,
    and as a numbered list of problems otherwise.
    """

    name: str
    problems: list[str] = field(default_factory=list)
    checks: int = 0
    shapes: int = 0

    @property
    def passed(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def _verdict(self) -> tuple[str, list[str]]:
        if self.passed:
            checks = f"{self.checks} check{'s' if self.checks != 1 else ''}"
            return f"{self.name}: passed ({checks} on {self.shapes} random shapes)", []
        if self.problems == [NOT_IMPLEMENTED]:
            return f"{self.name}: {NOT_IMPLEMENTED}", []
        n = len(self.problems)
        return f"{self.name}: {n} problem{'s' if n > 1 else ''}:", self.problems

    def __str__(self) -> str:
        head, items = self._verdict()
        return "\n".join([head, *(f"  {k}. {p}" for k, p in enumerate(items, 1))])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        head, items = self._verdict()
        mark = "✅" if self.passed else "❌"
        return "\n".join([f"{mark} **{head}**", "", *(f"{k}. {p}" for k, p in enumerate(items, 1))]) + "\n"

    def _repr_html_(self) -> str:
        head, items = self._verdict()
        colour = "#1a7f37" if self.passed else "#cf222e"
        lis = "".join(f"<li>{html.escape(p)}</li>" for p in items)
        return (f'<div><b style="color:{colour}">{html.escape(head)}</b>'
                + (f"<ol>{lis}</ol>" if lis else "") + "</div>")


# -- what a value is, in words ------------------------------------------------------------------------
def describe(value) -> str:
    """A few words for what a learner returned: ``a numpy array of shape (3, 4)``, ``a tuple of 2``, ``None``."""
    if value is None:
        return "None"
    if type(value).__module__.startswith("torch"):
        return "a torch tensor"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, Mapping):
        return f"a dict with keys {', '.join(map(repr, value))}" if value else "an empty dict"
    if isinstance(value, (bool, np.bool_)):
        return f"a bool ({value})"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"a number ({value!r})"
    return f"a {type(value).__name__}"


def spell(pattern) -> str:
    """An output pattern in words: ``("dx", ("dh0", "dc0"))`` -> ``(dx, (dh0, dc0))``."""
    if isinstance(pattern, tuple):
        return "(" + ", ".join(spell(p) for p in pattern) + ")"
    if isinstance(pattern, dict):
        return "{" + ", ".join(f"{k!r}: {spell(v)}" for k, v in pattern.items()) + "}"
    return pattern.lstrip("*")


def _leaves(pattern) -> list[str]:
    if isinstance(pattern, tuple):
        return [leaf for p in pattern for leaf in _leaves(p)]
    if isinstance(pattern, dict):
        return [leaf for p in pattern.values() for leaf in _leaves(p)]
    return [pattern]


def _missing(names: list[str]) -> str:
    names = [n.lstrip("*") for n in names]
    bias = [n for n in names if n.startswith("dbias")]
    what = " and ".join(names) + (" are" if len(names) > 1 else " is") + " missing"
    return what + (" (the bias gradient" + ("s" if len(bias) > 1 else "") + ")" if bias else "")


def unpack(pattern, value, where: str = "") -> tuple[dict[str, object], str | None]:
    """Match ``value`` against an output ``pattern``; return ``(leaves by name, problems or None)``.

    A wrong structure gives ``({}, problem)``. When the structure is right but some leaves are not
    usable arrays (None, a tensor, float32), the usable leaves come back with those leaves' problems,
    one per line, so that the rest can still be compared.

    A pattern is a leaf name (an array or a number; ``"*name"`` accepts anything and is not checked),
    a tuple of patterns, or a dict of patterns (e.g. a grads dict). ``where`` names the value in
    messages ("" for the whole result).
    """
    subject = f"expected {where} to be" if where else "expected"
    if isinstance(pattern, tuple):
        if not isinstance(value, (tuple, list)):
            return {}, f"{subject} a tuple {spell(pattern)}, got {describe(value)}"
        if len(value) != len(pattern):
            extra = f": {_missing(_leaves(pattern[len(value):]))}" if len(value) < len(pattern) else ""
            return {}, f"{subject} a tuple {spell(pattern)}, got {describe(value)}{extra}"
        out, faulty = {}, []
        for k, (p, v) in enumerate(zip(pattern, value)):
            leaves, problem = unpack(p, v, p if isinstance(p, str) else f"item {k + 1} of {where or 'the result'}")
            if problem and not (isinstance(p, str) or leaves):
                return {}, problem  # a nested structure is wrong: nothing below it can be compared
            faulty += problem.split("\n") if problem else []
            out.update(leaves)
        return out, "\n".join(faulty) or None
    if isinstance(pattern, dict):
        if not isinstance(value, Mapping):
            return {}, f"{subject} a dict {spell(pattern)}, got {describe(value)}"
        lost = [k for k in pattern if k not in value]
        if lost:
            return {}, (f"{where or 'the result'} has no {' or '.join(map(repr, lost))} entry: "
                        f"{_missing([leaf for k in lost for leaf in _leaves(pattern[k])])}")
        out, faulty = {}, []
        for k, p in pattern.items():
            leaves, problem = unpack(p, value[k], p if isinstance(p, str) else f"{where}[{k!r}]")
            if problem and not (isinstance(p, str) or leaves):
                return {}, problem
            faulty += problem.split("\n") if problem else []
            out.update(leaves)
        return out, "\n".join(faulty) or None
    if pattern.startswith("*"):
        return {pattern[1:]: value}, None
    if value is None:
        return {}, f"{pattern} is None: " + ("the bias gradient is missing" if pattern.startswith("dbias")
                                             else "return it")
    if type(value).__module__.startswith("torch"):
        return {}, f"{pattern} is a torch tensor: return a numpy array (tensor.detach().numpy())"
    try:
        arr = None if isinstance(value, (tuple, list, Mapping)) else np.asarray(value)
    except (ValueError, TypeError):
        arr = None
    if arr is None or arr.dtype.kind not in "iuf":
        return {}, f"expected {pattern} to be a numpy array of numbers, got {describe(value)}"
    if arr.dtype == np.float32:
        return {}, f"{pattern} is float32: compute in float64, like the inputs (float32 rounds at about 1e-7)"
    return {pattern: arr.astype(np.float64)}, None


# -- comparing one output with the right answer -------------------------------------------------------
def _proportional(got: np.ndarray, expected: np.ndarray, tol: float) -> float | None:
    """The factor c with ``got == c * expected``, if there is one (and expected is not all zeros)."""
    norm = float(np.sum(expected * expected))
    if norm == 0.0:
        return None
    c = float(np.sum(got * expected)) / norm
    return c if rel_error(got, c * expected) <= tol else None


def _how(got: np.ndarray, expected: np.ndarray, tol: float) -> str:
    """How two same-shape arrays differ: a sign, a factor, or a relative error."""
    c = _proportional(got, expected, tol)
    if c is not None and abs(c + 1.0) < 1e-6:
        return "have the wrong sign"
    if c is not None and abs(c) > 1e-12:
        return f"are {c:.3g} times the right values"
    return f"differ, relative error {rel_error(got, expected):.0e}"


def compare(name: str, got: np.ndarray, expected: np.ndarray, gates: tuple[str, ...] | None = None,
            tol: float = TOL) -> list[str]:
    """The problems of one output ``name``: wrong shape, NaN or inf, a transpose, a gate block, a sign or a factor.

    ``gates`` names the row blocks of a stacked parameter or its gradient, e.g. the LSTM's
    (G*H, D) ``dweight_ih``: each block of H rows is compared on its own.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if expected.ndim == 0 and got.size == 1:
        got = got.reshape(())
    if got.shape != expected.shape:
        hint = ": it looks transposed" if got.ndim == 2 and got.shape == expected.shape[::-1] else ""
        return [f"{name} has shape {got.shape}, expected {expected.shape}{hint}"]
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        kind = "NaN" if np.isnan(got[bad]).any() else "inf"
        return [f"{name} contains {kind} ({int(bad.sum())} of {got.size} entries)"]
    if rel_error(got, expected) <= tol:
        return []
    if got.ndim == 2 and got.shape[0] == got.shape[1] and rel_error(got.T, expected) <= tol:
        return [f"{name} is the transpose of the right value"]
    if gates and expected.shape[0] % len(gates) == 0:
        H = expected.shape[0] // len(gates)
        blocks = [(g, got[k * H:(k + 1) * H], expected[k * H:(k + 1) * H]) for k, g in enumerate(gates)]
        wrong = [(g, a, b) for g, a, b in blocks if rel_error(a, b) > tol]
        if len(wrong) < len(gates):
            return [f"{name}: the rows of the {g} {_how(a, b, tol)}" for g, a, b in wrong]
    plural = name.endswith("s")  # "weights differ", "dx differs"
    c = _proportional(got, expected, tol)
    if c is not None and abs(c + 1.0) < 1e-6:
        return [f"{name} {'have' if plural else 'has'} the wrong sign"]
    if c is not None and abs(c) > 1e-12:
        return [f"{name} {'are' if plural else 'is'} {c:.3g} times the right value{'s' if plural else ''}"]
    return [f"{name} {'differ from the right values' if plural else 'differs from the right value'}, "
            f"relative error {rel_error(got, expected):.0e}"]


# -- an exception inside the learner's function ------------------------------------------------------
def learner_line(exc: BaseException) -> str:
    """`` (in f, line 7: `code`)`` for the deepest frame of the traceback outside lessonpkg, numpy and the stdlib."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_PACKAGE) and "site-packages" not in f.filename
              and "/lib/python" not in f.filename and not f.filename.startswith("<frozen")]
    if not frames:
        return ""
    f = frames[-1]
    code = (f.line or linecache.getline(f.filename, f.lineno)).strip()
    return f" (in {f.name}, line {f.lineno}" + (f": `{code}`)" if code else ")")


def exception_problem(exc: BaseException) -> str:
    """The sentence for an exception raised by the learner's function (NotImplementedError: the unchanged stub)."""
    if type(exc) is NotImplementedError:
        return NOT_IMPLEMENTED
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    hint = ""
    if isinstance(exc, ValueError) and ("matmul" in message or "broadcast" in message):
        hint = "; check the shapes of both operands (torch stores each weight as (out, in), so x @ weight.T)"
    return f"your function raised {type(exc).__name__}" + (f": {message}" if message else "") + learner_line(exc) + hint
