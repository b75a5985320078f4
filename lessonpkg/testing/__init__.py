"""``lessonpkg.testing``: finite-difference gradient checks and the bridge to torch for the equality tests.

Only ``lessonpkg.testing.interop`` imports torch, and only inside its functions.
"""

from lessonpkg.testing.gradcheck import gradcheck, numerical_gradient, rel_error
from lessonpkg.testing.interop import from_torch, to_torch

__all__ = ["gradcheck", "numerical_gradient", "rel_error", "to_torch", "from_torch"]
