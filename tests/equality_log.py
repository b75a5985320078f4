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


def record(component: str, compared: Iterable[str], shape, rel_err: float) -> None:
    """Append one compared case to the session's log."""
    RECORDS.append({"component": str(component), "compared": sorted(set(map(str, compared))),
                    "shape": str(tuple(shape) if isinstance(shape, list | tuple) else shape),
                    "rel_err": float(rel_err)})
