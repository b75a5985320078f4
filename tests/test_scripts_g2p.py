"""scripts/train_g2p.py: its core still trains, and its checkpoint loads back into the chapter's models."""

import numpy as np
from script_helpers import ROOT, load_script

import lessonpkg as lp
from lessonpkg import g2p
from lessonpkg.data.cmu import PAD, load_cmudict

script = load_script("train_g2p")
SIZES = {"embedding_dim": 4, "hidden_size": 6, "attention_size": 5}


def test_tiny_configuration_trains_and_round_trips(tmp_path):
    config = {**script.CONFIG, **SIZES, "epochs": 2, "lr": 0.02}
    data = {**script.DATA, "n_train": 400, "n_val": 100}
    models, extras = script.train_all(config, data, show_progress=False)
    for kind in g2p.KINDS:
        assert extras[f"{kind}_val_loss"].shape == (3,)
        assert extras[f"{kind}_val_loss"][2] < extras[f"{kind}_val_loss"][1] < extras[f"{kind}_val_loss"][0]
    lp.save_checkpoint(tmp_path / "g2p.npz", models, **extras)
    loaded, history = g2p.load_g2p(tmp_path / "g2p.npz", **SIZES)
    for kind in g2p.KINDS:
        for k, v in models[kind].params.items():
            assert np.array_equal(loaded[kind].params[k], v)
        assert np.array_equal(history[kind]["val_loss"], extras[f"{kind}_val_loss"])


def test_shipped_weights_reproduce_their_stored_validation_loss():
    path = ROOT / "book" / "data" / "g2p.npz"
    assert path.stat().st_size < 1_000_000
    models, history = g2p.load_g2p(path, **{k: script.CONFIG[k] for k in SIZES})
    val = load_cmudict(**script.DATA).val
    for kind, model in models.items():
        assert history[kind]["val_loss"].shape == (script.CONFIG["epochs"] + 1,)
        loss = lp.evaluate(model, lp.CrossEntropyLoss(ignore_index=PAD), g2p.PairBatches(val, kind))["loss"]
        np.testing.assert_allclose(loss, history[kind]["val_loss"][-1], rtol=1e-10)
