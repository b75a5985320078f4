"""scripts/make_music_tokens.py and scripts/train_music_lm.py: their cores run, and the shipped files load back."""

import numpy as np
from script_helpers import ROOT, assert_round_trip, load_script

import lessonpkg as lp
from lessonpkg.apps import melody
from lessonpkg.data import music

tokens_script = load_script("make_music_tokens")
train_script = load_script("train_music_lm")
WEIGHTS = ROOT / "book" / "data" / "music_lm.npz"


def test_build_tokenises_a_few_files_like_the_shipped_file(tmp_path):
    files = [p for p in tokens_script.corpus_files() if p.name in ("bwv10.7.mxl", "bwv846.mxl", "bwv101.7.mxl",
                                                                   "bwv102.7.mxl")]
    arrays = tokens_script.build(files, show_progress=False)
    assert arrays["names"].tolist() == ["bwv10.7", "bwv101.7", "bwv102.7"] and arrays["skipped"].tolist() == ["bwv846"]
    assert arrays["offsets"][-1] == arrays["ids"].size and arrays["split"].shape == (3,)
    np.savez_compressed(tmp_path / "t.npz", **arrays)
    small = music.load_chorales(tmp_path / "t.npz")
    full = music.load_chorales(ROOT / "book" / "data" / "bach_chorales.npz")
    everything = dict(zip(full.names.train + full.names.val + full.names.test, full.train + full.val + full.test))
    small_names = small.names.train + small.names.val + small.names.test
    small_pieces = small.train + small.val + small.test
    for name, piece in zip(small_names, small_pieces):
        assert small.vocab.decode(piece) == full.vocab.decode(everything[name])


def test_tiny_configuration_trains_and_round_trips(tmp_path):
    config = {**train_script.CONFIG, "hidden_size": 4, "embedding_dim": 3, "epochs": 1, "batch_size": 128}
    models, extras = train_script.train_all(config, cells=("LSTM",), seeds=(0, 1), show_progress=False)
    assert list(models) == ["LSTM_seed0", "LSTM_seed1"]
    for name in models:
        assert extras[f"{name}_val_loss"][1] < extras[f"{name}_val_loss"][0]
    V = models["LSTM_seed0"].head.out_features
    fresh = {name: lp.charlm.make_char_lm("LSTM", V, 3, 4, rng=9) for name in models}
    assert_round_trip(tmp_path / "m.npz", models, extras, fresh)


def test_shipped_weights_reproduce_their_best_validation_loss():
    assert WEIGHTS.stat().st_size < 1_000_000
    data = music.load_chorales(train_script.TOKENS)
    names = train_script.model_names()
    cfg = train_script.CONFIG
    models = {n: lp.charlm.make_char_lm(n.split("_")[0], len(data.vocab), cfg["embedding_dim"], cfg["hidden_size"],
                                        rng=0) for n in names}
    curves = lp.train.checkpoint.load_curves(lp.load_checkpoint(WEIGHTS, models), names)
    for name, model in models.items():
        assert curves[name]["val_loss"].size <= cfg["epochs"] + 1
        loss = -np.concatenate(melody.piece_log_probs(model, data.val)).mean()
        np.testing.assert_allclose(loss, curves[name]["val_loss"].min(), rtol=1e-10)
