"""``lessonpkg.train``: the one training loop ``fit``, ``evaluate``, their data, truncated BPTT and checkpoints.

- ``fit(model, loss_fn, optimizer, train, epochs=...)`` and ``evaluate(model, loss_fn, data)``;
- the data they read: a tuple of arrays ``(*inputs, target)``, or an object with ``batches``, such as
  ``Chunks`` (sequences cut into chunks for truncated BPTT, read by ``ChunkedRNN``);
- ``accuracy``, a metric; ``EarlyStopping``; ``minibatches``;
- ``TruncatedBPTT``, the layer-level mechanics of truncated BPTT;
- ``save_checkpoint``, ``load_checkpoint``.
"""

from lessonpkg.train.checkpoint import load_checkpoint, save_checkpoint
from lessonpkg.train.chunks import ChunkedRNN, Chunks
from lessonpkg.train.classify import one_hot_ids, predict_classes
from lessonpkg.train.data import Arrays, minibatches
from lessonpkg.train.early_stopping import EarlyStopping
from lessonpkg.train.evaluate import accuracy, evaluate
from lessonpkg.train.loop import fit
from lessonpkg.train.tbptt import TruncatedBPTT

__all__ = ["fit", "evaluate", "accuracy", "Arrays", "Chunks", "ChunkedRNN", "EarlyStopping", "minibatches",
           "one_hot_ids", "predict_classes", "TruncatedBPTT", "save_checkpoint", "load_checkpoint"]
