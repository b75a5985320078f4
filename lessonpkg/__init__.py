"""lessonpkg: recurrent neural networks from scratch, in numpy, proven equal to PyTorch.

The layout follows torch's, so that ``lessonpkg.nn.LSTM`` reads beside ``torch.nn.LSTM``:

- ``lessonpkg.nn``: ``Module``, layers, recurrent cells, attention, losses; ``nn.functional``,
  ``nn.init`` and ``nn.utils`` (``clip_grad_norm_``, ``clip_grad_value_``);
- ``lessonpkg.optim``: ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``;
- ``lessonpkg.models``: the composite models of the chapters and the n-gram models;
- ``lessonpkg.train``: the one training loop ``fit``, ``evaluate``, truncated BPTT and checkpoints;
- ``lessonpkg.decode``: greedy, sampling, beam search and CTC decoding;
- ``lessonpkg.metrics``, ``lessonpkg.data``;
- ``lessonpkg.testing`` (gradient checks, torch interop), ``lessonpkg.notebook`` (plots,
  ``show_source``) and ``lessonpkg.apps`` (the applications, as configurations of the above);
- ``lessonpkg.exercises``: the checker of the chapters' "Your turn" exercises.

The most used names are also importable from the top level, e.g. ``lp.LSTM``. Torch is imported
only inside the functions of ``lessonpkg.testing.interop`` and of the exercise checker, which
compares a learner's function with torch.
"""

from lessonpkg import apps, data, decode, exercises, metrics, models, nn, notebook, optim, testing, train

# -- short aliases: lp.LSTM is lp.nn.LSTM, lp.Adam is lp.optim.Adam, lp.fit is lp.train.fit, ... --
from lessonpkg.nn import (
    GRU, LSTM, RNN, AdditiveAttention, BCEWithLogitsLoss, CrossEntropyLoss, CTCLoss, Embedding, GRUCell, Linear,
    LSTMCell, Module, MSELoss, ReLU, RNNCell, Sequential, Sigmoid, Tanh, functional, init,
)
from lessonpkg.nn.gru_variants import gru_cell_cho2014
from lessonpkg.nn.utils import clip_grad_norm_, clip_grad_value_
from lessonpkg.optim import SGD, Adagrad, Adam, Optimizer, RMSprop
from lessonpkg.models import (
    AttentionSeq2Seq, ImageCaptioner, RNNLanguageModel, Seq2Seq, SequenceClassifier, SequenceTagger, VectorToSequence,
)
from lessonpkg.models.captioner import caption_scores
from lessonpkg.models import ngram
from lessonpkg.train import (
    TruncatedBPTT, evaluate, fit, load_checkpoint, minibatches, one_hot_ids, predict_classes, save_checkpoint,
)
from lessonpkg.decode import (
    apply_temperature, beam_search, ctc_greedy_decode, greedy_decode, sample_next, sample_sequence,
)
from lessonpkg.metrics import MostFrequentTag, bio_spans, span_scores, token_accuracy
from lessonpkg.testing import from_torch, gradcheck, numerical_gradient, rel_error, to_torch
from lessonpkg.notebook import plots, show_source
from lessonpkg.apps import asr, charlm, diagnostics, forecast, g2p, graphone, long_range, spectrogram

__version__ = "0.1.0"
