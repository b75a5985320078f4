"""``lessonpkg.nn``: layers, recurrent cells, attention and losses, laid out like ``torch.nn``.

Read ``lessonpkg.nn.LSTM`` beside ``torch.nn.LSTM``: the same class names, arguments, parameter names
and shapes. ``nn.functional`` holds the activations and their derivatives, ``nn.init`` the
initialisers, and ``nn.utils`` gradient clipping (``clip_grad_norm_``, ``clip_grad_value_``).
"""

from lessonpkg.nn import functional, init, utils
from lessonpkg.nn.activation import ReLU, Sigmoid, Tanh
from lessonpkg.nn.attention import AdditiveAttention
from lessonpkg.nn.container import Sequential
from lessonpkg.nn.ctc import CTCLoss
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.gru import GRU, GRUCell
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from lessonpkg.nn.lstm import LSTM, LSTMCell
from lessonpkg.nn.module import Module
from lessonpkg.nn.rnn import RNN, RNNCell

__all__ = [
    "Module", "Linear", "Embedding", "Tanh", "Sigmoid", "ReLU", "Sequential",
    "RNN", "RNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "AdditiveAttention",
    "CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "CTCLoss",
    "functional", "init", "utils",
]
