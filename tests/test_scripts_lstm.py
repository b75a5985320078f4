"""The LSTM chapter's training scripts run on tiny configurations, and the weights they shipped load and work."""

import numpy as np
from script_helpers import load_script

import lessonpkg as lp

tagger = load_script("train_lstm_code_tagger")
forget_bias = load_script("train_lstm_forget_bias")


def test_code_tagger_script_core_runs_on_a_tiny_configuration():
    lstm, head, history = tagger.train(hidden_size=4, max_depth=2, length=12, n_train=16, n_val=8, epochs=2,
                                       batch_size=8, lr=1e-2, forget_bias=1.0, seed=0)
    assert history["val_accuracy"].shape == (3,) and lstm.hidden_size == 4 and head.out_features == 4
    fresh, _ = tagger.build(10, 4, 3, forget_bias=1.0, seed=0)
    np.testing.assert_array_equal(fresh.params["bias_ih_l0"][4:8] + fresh.params["bias_hh_l0"][4:8], 1.0)


def test_forget_bias_script_core_sets_the_bias_sum_and_trains():
    lstm, _ = forget_bias.build(3.0, seed=0, hidden=5)
    np.testing.assert_array_equal(lstm.params["bias_ih_l0"][5:10] + lstm.params["bias_hh_l0"][5:10], 3.0)
    lstm, head, curve = forget_bias.train_one(6, 1.0, seed=0, n_train=16, n_val=8, epochs=2, hidden=4)
    assert curve.shape == (3,) and np.all((curve >= 0) & (curve <= 1))
    assert forget_bias.run_name(20, 1, 3) == "T20_bias1_seed3"


def test_shipped_code_tagger_loads_and_tags_fresh_text():
    path = tagger.OUT
    V = len(lp.data.codetext.ALPHABET)
    lstm, head = lp.LSTM(V, tagger.CONFIG["hidden_size"]), lp.Linear(tagger.CONFIG["hidden_size"], 6)
    extras = lp.load_checkpoint(path, {"lstm": lstm, "head": head})
    assert path.stat().st_size < 1_000_000
    assert extras["val_accuracy"].shape == (tagger.CONFIG["epochs"] + 1,)
    d = lp.data.make_code_text(64, 64, rng=123)
    scores = lp.evaluate(lp.train.ChunkedRNN(lstm, head), lp.CrossEntropyLoss(), lp.train.Chunks(d.x, d.y),
                         metrics={"accuracy": lp.train.accuracy})
    assert scores["accuracy"] > 0.99
