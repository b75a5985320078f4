"""``lessonpkg.apps``: the applications of Part III and the experiments of Part II, as configurations of the package.

Each module assembles ``lessonpkg.nn`` modules, ``lessonpkg.models``, ``lessonpkg.train`` and
``lessonpkg.data`` for one task: G2P, speech with CTC, character language models, the long-range
adding benchmark, forecasting, and gradient diagnostics; and the graphone n-gram baseline of G2P.
"""

from lessonpkg.apps import asr, charlm, diagnostics, forecast, g2p, graphone, long_range, spectrogram

__all__ = ["asr", "charlm", "diagnostics", "forecast", "g2p", "graphone", "long_range", "spectrogram"]
