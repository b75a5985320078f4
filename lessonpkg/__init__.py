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
from .tagger import tagger_evaluate, tagger_params, tagger_update, train_tagger
from .checkpoint import load_checkpoint, save_checkpoint
from . import diagnostics, long_range  # lp.diagnostics.hidden_grad_norms, lp.long_range.load_runs (Chapter 5)
from .rnnlm import RNNLanguageModel, lm_loss, lm_update, train_lm
from .sampling import apply_temperature, sample_next
from .seqclf import classifier_scores, one_hot_ids, predict_classes, train_classifier  # Chapter 9
from . import charlm, ngram  # lp.charlm.tbptt_epoch, lp.ngram.NGramModel (Chapter 8)
from .decoding import beam_search, greedy_decode, sample_sequence
from . import forecast  # lp.forecast.ARModel, persistence, seasonal_naive, EarlyStopping (Chapter 11)
from . import asr, spectrogram  # lp.asr.train_ctc, lp.spectrogram.log_mel_spectrogram (Chapter 12)
from .ctc import CTCLoss, ctc_greedy_decode  # Chapter 12
from .captioner import ImageCaptioner, caption_scores  # Chapter 13
from .fit_steps import fit_steps, step_loss  # Chapter 13: per-step cross-entropy on padded targets
from .spans import MostFrequentTag, bio_spans, span_scores, token_accuracy  # Chapter 13

# -- layers (one line per module; keep alphabetical within each block) --
from .layers.activations import ReLU, Sigmoid, Tanh
from .layers.embedding import Embedding
from .layers.gru import GRU, GRUCell
from .layers.gru_variants import gru_cell_cho2014
from .layers.linear import Linear
from .layers.lstm import LSTM, LSTMCell
from .layers.rnn import RNN, RNNCell
from .layers.sequential import Sequential
from .tbptt import TruncatedBPTT

# -- architectures: a recurrent layer plus heads (one-to-many, many-to-one, many-to-many, encoder-decoder) --
from .seq2seq import Seq2Seq
from .attention import AdditiveAttention  # Chapter 10
from .attn_seq2seq import AttentionSeq2Seq  # Chapter 10
from . import g2p, metrics  # lp.g2p.train_g2p, lp.metrics.edit_distance (Chapter 10)
from .seqmodels import SequenceClassifier, SequenceTagger, VectorToSequence

# -- losses, optimizers, clipping, initialisers, gradient checks --
from . import init
from .clip import clip_grad_norm, clip_grad_value
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .optim import SGD, Adagrad, Adam, Optimizer, RMSprop

# -- interop with torch --
from .interop import from_torch, to_torch

__version__ = "0.1.0"
