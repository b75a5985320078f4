"""scripts/train_char_lm.py: its core still trains, and its checkpoint loads back into the chapter's models."""

import numpy as np
from script_helpers import ROOT, assert_round_trip, load_script

import lessonpkg as lp
from lessonpkg import charlm

script = load_script("train_char_lm")


def test_tiny_configuration_trains_and_round_trips(tmp_path):
    config = {**script.CONFIG, "hidden_size": 4, "embedding_dim": 3, "epochs": 1, "n_lanes": 64, "chunk_len": 64}
    models, extras = script.train_all(config, cells=("RNN", "LSTM"), show_progress=False)
    for cell in ("RNN", "LSTM"):
        assert extras[f"{cell}_val_loss"][1] < extras[f"{cell}_val_loss"][0]
    fresh = {cell: charlm.make_char_lm(cell, 27, 3, 4, rng=9) for cell in models}
    assert_round_trip(tmp_path / "lm.npz", models, extras, fresh)


def test_shipped_weights_reproduce_their_stored_validation_loss():
    from lessonpkg.data import names as nm
    models, history = charlm.load_char_lms(ROOT / "book" / "data" / "char_lm.npz")
    val_stream = nm.load_names(rng=0).stream("val")
    assert (ROOT / "book" / "data" / "char_lm.npz").stat().st_size < 1_000_000
    for cell, model in models.items():
        assert history[cell]["val_loss"].shape == (script.CONFIG["epochs"] + 1,)
        loss = lp.evaluate(charlm.chunked(model), lp.CrossEntropyLoss(), charlm.stream_chunks(val_stream))["loss"]
        np.testing.assert_allclose(loss, history[cell]["val_loss"][-1], rtol=1e-10)
