"""lessonpkg: recurrent neural networks from scratch, in numpy, proven equal to PyTorch.

Everything public is importable from the top level, e.g. ``lp.Linear`` or
``lp.clip_grad_norm``. Torch is imported only inside ``lessonpkg.interop``'s
functions.
"""

from . import functional
from .module import Module
from .show import show_source

# -- datasets, plotting helpers, the training loop (lp.data.load_iris_2d, lp.plots.decision_grid, lp.fit) --
from . import data, plots
from .train import evaluate_loss, fit, minibatches

# -- layers (one line per module; keep alphabetical within each block) --
from .layers.activations import ReLU, Sigmoid, Tanh
from .layers.embedding import Embedding
from .layers.linear import Linear
from .layers.sequential import Sequential

# -- losses, optimizers, clipping, initialisers, gradient checks --
from . import init
from .clip import clip_grad_norm, clip_grad_value
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .optim import SGD, Adagrad, Adam, Optimizer, RMSprop

# -- interop with torch --
from .interop import from_torch, to_torch

__version__ = "0.1.0"
