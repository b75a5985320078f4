"""``lessonpkg.models``: the composite models of the chapters, built from ``lessonpkg.nn``, and n-gram models."""

from lessonpkg.models import ngram
from lessonpkg.models.attn_seq2seq import AttentionSeq2Seq
from lessonpkg.models.captioner import ImageCaptioner
from lessonpkg.models.heads import SequenceClassifier, SequenceTagger, VectorToSequence
from lessonpkg.models.ngram import KneserNeyModel, NGramModel
from lessonpkg.models.rnnlm import RNNLanguageModel
from lessonpkg.models.seq2seq import Seq2Seq

__all__ = ["SequenceClassifier", "SequenceTagger", "VectorToSequence", "RNNLanguageModel", "Seq2Seq",
           "AttentionSeq2Seq", "ImageCaptioner", "NGramModel", "KneserNeyModel", "ngram"]
