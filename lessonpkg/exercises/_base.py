"""What an exercise is (``Exercise``, ``Case``) and the loop that checks a learner's function on its cases."""

from __future__ import annotations

import copy
import inspect
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lessonpkg.exercises.report import TOL, Report, compare, exception_problem, spell, unpack


@dataclass
class Case:
    """One random instance of an exercise: the arguments, the right outputs by name, and a label for messages.

    ``gates`` names the gate blocks of the stacked outputs (``{"dweight_ih": LSTM_GATES}``);
    ``after(args, got)`` adds outputs read from the arguments after the call (an in-place update) or derived
    from the returned ones; ``extra`` is for diagnoses.
    """

    args: tuple
    expected: dict[str, np.ndarray]
    label: str
    gates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    after: Callable[[tuple, dict], dict] | None = None
    extra: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)


@dataclass
class Exercise:
    """An exercise: the function a learner writes, its reference solution and how to check it.

    ``cases(rng)`` draws the random cases; ``diagnose(case, got, call)`` may add hints once the
    outputs differ (``call(*args)`` runs the learner's function again); ``check_case(case, result)``
    replaces the generic comparison for outputs that are not arrays (beam search).
    """

    name: str
    chapter: str
    func_name: str
    params: str
    returns: object
    doc: str
    solution: Callable
    cases: Callable[[np.random.Generator], list[Case]]
    diagnose: Callable | None = None
    check_case: Callable | None = None
    returns_text: str = ""

    def signature(self) -> str:
        """``def f(args):`` with the docstring that says what f receives and returns."""
        returns = textwrap.fill(f"Returns {self.returns_text or spell(self.returns)}.", 96, subsequent_indent="    ")
        body = textwrap.indent(inspect.cleandoc(self.doc) + "\n\n" + returns, "    ").strip()
        return f'def {self.func_name}({self.params}):\n    """{body}\n    """\n'


class LearnerError(Exception):
    """The learner's function raised; ``problem`` says so in words."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def call_learner(fn: Callable, args: tuple, kwargs: dict | None = None, usage: str = ""):
    """``fn(*args, **kwargs)``, numpy warnings silenced; a LearnerError if it raises.

    A TypeError raised by the call itself (not inside ``fn``) means the signature is wrong: ``usage``
    then says how the checker calls it.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **(kwargs or {}))
        except Exception as exc:  # any error of the learner's code becomes a sentence
            if usage and isinstance(exc, TypeError) and exc.__traceback__.tb_next is None:
                raise LearnerError(f"your function cannot be called as {usage}: {exc}") from None
            raise LearnerError(exception_problem(exc)) from None


def _key(problem: str) -> str:
    """A problem without its numbers, so that the same fault on several shapes is reported once."""
    return re.sub(r"-?\d[\d.e+-]*", "#", problem)


def _usable(got: dict, expected: dict) -> bool:
    """Whether every output has its right shape and is finite, so that a diagnosis can work with it."""
    return all(k in got and np.shape(got[k]) == np.shape(v) and np.all(np.isfinite(got[k]))
               for k, v in expected.items())


def run(ex: Exercise, fn: Callable, seed: int) -> Report:
    """Check ``fn`` on the cases drawn from ``seed``; return the Report, the diagnoses before the differences."""
    cases = ex.cases(np.random.default_rng(seed))
    usage = f"{ex.func_name}({ex.params})"
    hints: dict[str, tuple[str, list[str]]] = {}  # key -> (first wording, labels of the cases where it occurs)
    found: dict[str, tuple[str, list[str]]] = {}
    checks = 0

    def report(*last: str) -> Report:
        out = []
        for wording, labels in (*hints.values(), *found.values()):
            out.append(wording if len(labels) == len(cases) or labels[0] in wording else
                       f"{wording} (on {len(labels)} of {len(cases)} shapes, e.g. {labels[0]})")
        return Report(ex.name, [*out, *last], checks, len(cases))

    for case in cases:
        args = copy.deepcopy(case.args)
        try:
            result = call_learner(fn, args, case.kwargs, usage)
        except LearnerError as err:  # reported with what earlier cases found; the later ones would raise too
            return report(err.problem)
        diagnoses = []
        if ex.check_case is not None:
            problems, n = ex.check_case(case, result)
        else:
            got, problem = unpack(ex.returns, result)
            if problem and not got:
                return report(problem)  # the result's structure is wrong: nothing can be compared
            unusable = problem.split("\n") if problem else []  # e.g. "dbias_hh is None": compare the rest
            if unusable and case.after:
                return report(*unusable)
            for name, value in (case.after(args, got) if case.after else {}).items():
                leaves, problem = unpack(name, value)
                if problem:
                    return report(problem)
                got.update(leaves)
            problems, n = list(unusable), len(case.expected)
            for name, expected in case.expected.items():
                if name in got:
                    problems += compare(name, got[name], expected, case.gates.get(name), TOL)
            if problems and ex.diagnose is not None and _usable(got, case.expected):
                try:
                    diagnoses = ex.diagnose(case, got, lambda *a: call_learner(fn, copy.deepcopy(a)))
                except LearnerError:
                    pass  # the learner's function failed on a probe; the problems found already say what is wrong
        checks = max(checks, n)
        for table, items in ((hints, diagnoses), (found, problems)):
            for p in items:
                labels = table.setdefault(_key(p), (p, []))[1]
                if case.label not in labels:
                    labels.append(case.label)
    return report()


def outputs(returns, result) -> dict[str, np.ndarray]:
    """The named outputs of a reference solution's result (which always has the right structure)."""
    got, problem = unpack(returns, result)
    assert problem is None, problem
    return {k: v for k, v in got.items() if isinstance(v, np.ndarray)}


def matching_variant(name: str, got: np.ndarray, variants: list[tuple[str, np.ndarray]]) -> list[str]:
    """The message of the first variant (a known mistake) whose output ``got`` reproduces."""
    for message, value in variants:
        if got.shape == value.shape and compare(name, got, value) == []:
            return [message]
    return []
