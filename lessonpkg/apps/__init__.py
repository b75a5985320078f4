"""``lessonpkg.apps``: the applications of Part III and the experiments of Part II, as configurations of the package.

Each module assembles ``lessonpkg.nn`` modules, ``lessonpkg.models``, ``lessonpkg.train`` and
``lessonpkg.data`` for one task: G2P and its graphone n-gram baseline, speech with CTC, action recognition
from motion streams, character language models, the long-range adding benchmark, forecasting, and
gradient diagnostics.
"""

from lessonpkg.apps import action, asr, charlm, diagnostics, forecast, g2p, graphone, long_range, spectrogram

__all__ = ["action", "asr", "charlm", "diagnostics", "forecast", "g2p", "graphone", "long_range", "spectrogram"]
