"""``lessonpkg.exercises``: write a chapter's function yourself, then let the checker say what is wrong with it.

Each exercise is one function of the package, with the package's signature::

    print(lp.exercises.stub("lstm_cell_backward"))          # the signature and what it receives and returns
    def lstm_cell_backward(dh1, dc1, cache):
        raise NotImplementedError                           # your code here
    lp.exercises.check("lstm_cell_backward", lstm_cell_backward)

``check`` runs the function on three random small shapes (seeded), in float64,
and compares every output and gradient with torch's (or, where torch has no
counterpart, with the package and a brute-force search). Its report names
each faulty output in plain words, and for stacked gate parameters the gate:
``dweight_hh: the rows of the forget gate (f) have the wrong sign``.
``solution(name)`` returns the reference implementation.
"""

from lessonpkg.exercises.checker import check, names, signature, solution, stub
from lessonpkg.exercises.report import Report

__all__ = ["names", "signature", "stub", "solution", "check", "Report"]
