"""The checker's entry points: list the exercises, show a stub, give the solution, check a learner's function."""

from __future__ import annotations

from collections.abc import Callable

from lessonpkg._validate import check_callable, check_int
from lessonpkg.exercises import _basics, _decoding, _gated
from lessonpkg.exercises._base import Exercise, run
from lessonpkg.exercises.report import Report

_EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (*_basics.EXERCISES, *_gated.EXERCISES,
                                                          *_decoding.EXERCISES)}


def names() -> list[str]:
    """The names of the exercises, in the order of the chapters."""
    return list(_EXERCISES)


def _get(name) -> Exercise:
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of an exercise (a str), got {type(name).__name__}")
    if name not in _EXERCISES:
        raise ValueError(f"name must be one of {', '.join(_EXERCISES)}; got {name!r}")
    return _EXERCISES[name]


def signature(name: str) -> str:
    """The exercise's ``def`` line and docstring: what the function receives and returns, with shapes."""
    return _get(name).signature()


def stub(name: str) -> str:
    """The source text of the function to write: ``signature(name)`` followed by ``raise NotImplementedError``."""
    return signature(name) + "    raise NotImplementedError\n"


def solution(name: str) -> Callable:
    """The reference implementation, a plain function that ``check(name, ...)`` passes.

    Where the package computes the same thing, it is the package's own function (e.g.
    ``lp.nn.lstm.lstm_cell_backward``), whose extra parameters, if any, have defaults.
    """
    return _get(name).solution


def check(name: str, fn: Callable, *, seed: int = 0) -> Report:
    """Check a learner's implementation of exercise ``name`` on three random small shapes drawn from ``seed``.

    Parameters
    ----------
    name : str
        One of ``names()``.
    fn : callable
        The learner's function, with the signature that ``signature(name)`` shows.
    seed : int
        Seeds the random shapes, inputs and weights.

    Returns
    -------
    Report
        ``.passed`` (bool) and ``.problems`` (plain sentences naming the faulty outputs); it prints
        as a short verdict, e.g. ``lstm_cell_backward: passed (7 checks on 3 random shapes)``.
    """
    ex = _get(name)
    check_callable(fn, "fn", f"your function {ex.func_name}({ex.params})")
    seed = check_int(seed, "seed", low=0)
    return run(ex, fn, seed)
