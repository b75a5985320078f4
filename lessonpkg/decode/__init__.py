"""``lessonpkg.decode``: turning a model's per-step distributions into sequences.

Greedy decoding, sampling with a temperature, beam search, and CTC best-path decoding.
"""

from lessonpkg.decode.ctc import ctc_greedy_decode
from lessonpkg.decode.sampling import apply_temperature, sample_next
from lessonpkg.decode.search import beam_search, greedy_decode, sample_sequence

__all__ = ["greedy_decode", "sample_sequence", "beam_search", "apply_temperature", "sample_next", "ctc_greedy_decode"]
