"""``lessonpkg.train``: the training loops, truncated BPTT and checkpoints."""

from lessonpkg.train.checkpoint import load_checkpoint, save_checkpoint
from lessonpkg.train.classify import classifier_scores, one_hot_ids, predict_classes, train_classifier
from lessonpkg.train.loop import evaluate_loss, fit, minibatches
from lessonpkg.train.steps import fit_steps, step_loss
from lessonpkg.train.tagger import tagger_evaluate, tagger_params, tagger_update, train_tagger
from lessonpkg.train.tbptt import TruncatedBPTT

__all__ = ["fit", "evaluate_loss", "minibatches", "fit_steps", "step_loss", "train_classifier", "classifier_scores",
           "predict_classes", "one_hot_ids", "train_tagger", "tagger_update", "tagger_evaluate", "tagger_params",
           "TruncatedBPTT", "save_checkpoint", "load_checkpoint"]
