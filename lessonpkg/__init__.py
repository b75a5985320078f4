"""lessonpkg: recurrent neural networks from scratch, in numpy, proven equal to PyTorch.

Everything public is importable from the top level, e.g. ``lp.Linear`` or
``lp.clip_grad_norm``. Torch is imported only inside ``lessonpkg.interop``'s
functions.
"""

from . import functional
from .module import Module
from .show import show_source

# -- layers (one line per module; keep alphabetical within each block) --

# -- losses, optimizers, clipping, initialisers, gradient checks --

# -- interop with torch --

__version__ = "0.1.0"
