"""The public lessonpkg components that are NOT compared number for number with PyTorch, and why.

The book's "Proof of equality" page lists these next to the cross-checked ones, and
tests/test_equality_coverage.py fails if a public component is in neither place. A key is a name as
a learner reaches it ("Module", "init.orthogonal"), or a module ("data"), which covers all its names.
Each value is (why there is no number-for-number comparison, the tests that check it instead).
"""

NO_TORCH_COUNTERPART: dict[str, tuple[str, str]] = {
    # -- base classes: no computation of their own --
    "nn.Module": ("the base class of every layer; it computes nothing itself",
               "every layer's torch cross-check; tests/test_sequential.py"),
    "optim.Optimizer": ("the base class of the optimizers; each subclass is compared with torch.optim",
                  "tests/test_optim.py (state dicts, bad input)"),
    # -- the original GRU, which torch does not implement --
    "nn.gru_variants.gru_cell_cho2014": ("Cho et al.'s 2014 GRU applies the reset gate before the hidden product; "
                                         "torch's after",
                         "tests/test_gru_variants.py: unit-by-unit equations, and equal to torch.nn.GRUCell "
                         "exactly where the two must agree (reset gate 1, no b_hn)"),
    # -- random draws: torch's random stream cannot be reproduced, so distributions are compared --
    **{f"nn.init.{name}": ("a random draw: the distribution is torch's, the numbers cannot be",
                        "tests/test_init.py: bounds, mean and spread against torch's own samples")
       for name in ("uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                    "kaiming_normal", "orthogonal", "torch_default")},
    "decode.sample_next": ("a random draw from a distribution", "tests/test_sampling.py: frequencies of 20,000 draws"),
    # -- decoding, training loops and bookkeeping: torch has no such function --
    "decode.greedy_decode": ("a decoding loop over a step function; torch.nn has no decoder",
                      "tests/test_decoding.py: against exhaustive search on small vocabularies"),
    "decode.beam_search": ("a decoding loop over a step function; torch.nn has no decoder",
                    "tests/test_decoding.py: against exhaustive search on small vocabularies"),
    "decode.sample_sequence": ("a sampling loop over a step function", "tests/test_decoding.py"),
    "train.predict_classes": ("the argmax of a model's scores", "tests/test_seqclf.py"),
    "train.one_hot_ids": ("an encoding of token ids", "tests/test_seqclf.py"),
    "train.minibatches": ("shuffled index batches", "tests/test_train.py: a partition of a permutation"),
    "train.save_checkpoint": ("file input/output", "tests/test_checkpoint.py: round trips"),
    "train.load_checkpoint": ("file input/output", "tests/test_checkpoint.py: round trips and bad files"),
    "notebook.show_source": ("displays tested source code in a notebook", "tests/test_show.py"),
    # -- the gradient checks themselves: they check gradients without torch --
    "testing.gradcheck": ("finite differences, the check that needs no torch", "tests/test_gradcheck.py"),
    "testing.numerical_gradient": ("finite differences, the check that needs no torch", "tests/test_gradcheck.py"),
    "testing.rel_error": ("the error measure used by the checks", "tests/test_gradcheck.py"),
    "decode.ctc_greedy_decode": ("best-path decoding of CTC outputs; torch has no decoder", "tests/test_ctc.py"),
    "models.captioner.caption_scores": ("caption metrics (exact match, token overlap)", "tests/test_captioner.py"),
    "metrics.MostFrequentTag": ("a counting baseline for tagging", "tests/test_spans.py"),
    "metrics.bio_spans": ("reads entity spans from BIO tags", "tests/test_spans.py"),
    "metrics.span_scores": ("precision, recall and F1 of entity spans", "tests/test_spans.py"),
    "metrics.token_accuracy": ("the fraction of correct tags", "tests/test_spans.py"),
    # -- whole modules --
    "apps.asr": ("the speech chapter's helpers around CTCLoss, which is compared with torch", "tests/test_asr.py"),
    "nn.functional": ("elementwise functions; compared with torch through the layers and losses built on them",
                   "tests/test_activations.py, tests/test_losses.py"),
    "data": ("data sets: loaders of data shipped in pip packages, and generators",
             "tests/test_data_*.py: shapes, seeded splits, determinism, bad input"),
    "notebook.plots": ("matplotlib figures", "tests/test_plots.py"),
    "apps.forecast": ("forecasting baselines, metrics and early stopping", "tests/test_forecast.py"),
    "apps.action.summary_features": ("per-channel statistics of a baseline's features; torch has no such function",
                                     "tests/test_action.py: by hand and against numpy.polyfit"),
    "apps.g2p": ("Chapter 10's training and decoding helpers around AttentionSeq2Seq and Seq2Seq, which are compared "
            "with torch", "tests/test_g2p.py, tests/test_scripts_g2p.py"),
    "apps.graphone": ("Chapter 10's joint-sequence (graphone) n-gram baseline: EM alignment, counting, beam search; "
                      "torch has none", "tests/test_graphone.py"),
    "metrics": ("edit distance, error rate and exact match: integer counting, no torch counterpart",
                "tests/test_metrics.py: known values and the recursive definition"),
    "models.NGramModel": ("a count-based language model", "tests/test_ngram.py"),
    "models.KneserNeyModel": ("a count-based language model (interpolated Kneser-Ney); torch has none",
                              "tests/test_ngram.py: distributions sum to 1, a hand-worked example, discount tuning"),
    "models.ngram": ("a count-based language model", "tests/test_ngram.py"),
    "train.Arrays": ("arrays cut into shuffled minibatches along axis 0", "tests/test_train.py"),
    "train.Chunks": ("sequences cut into chunks for truncated BPTT; compared with torch through train.ChunkedRNN",
                     "tests/test_chunks.py"),
    "train.EarlyStopping": ("bookkeeping of the best validation loss", "tests/test_early_stopping.py"),
    "train.accuracy": ("the fraction of correct classes", "tests/test_train.py"),
    **{f"apps.spectrogram.{name}": ("signal processing (windows, frames, mel scale); torch has no mel filterbank",
                               "tests/test_spectrogram.py")
       for name in ("frame_signal", "hz_to_mel", "mel_to_hz", "mel_filterbank", "log_mel_spectrogram")},
    "apps.diagnostics.spectral_radius": ("linear algebra on a weight matrix", "tests/test_diagnostics.py"),
    "apps.diagnostics.scale_to_spectral_radius": ("linear algebra on a weight matrix", "tests/test_diagnostics.py"),
    **{f"apps.long_range.{name}": ("the long-range benchmark's training driver and its files",
                              "tests/test_long_range.py")
       for name in ("AddingBatches", "train_adding", "save_runs", "load_runs")},
    **{f"apps.charlm.{name}": ("helpers of the character language model chapter",
                          "tests/test_charlm.py (the model itself is compared through lp.fit on its chunks)")
       for name in ("make_char_lm", "to_lanes", "stream_chunks", "step_fn", "read_prefix", "train_char_lm",
                    "load_char_lms")},
    # -- the exercise checker: it compares a learner's function with torch itself --
    "exercises": ("the checker of the chapters' exercises; it compares a learner's function with torch (or, "
                  "for beam search and the CTC recursion, with the package and a brute-force search)",
                  "tests/test_exercises.py: every reference solution passes; deliberately wrong implementations "
                  "are each diagnosed with the faulty part named"),
}
