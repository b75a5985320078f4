"""scripts/train_speaker_id.py: its selection and final runs still train, and the shipped file matches the data."""

import numpy as np
import pytest
from script_helpers import ROOT, assert_round_trip, load_script

import lessonpkg as lp
from lessonpkg.data.uea import load_uea

script = load_script("train_speaker_id")
SHIPPED = ROOT / "book" / "data" / "speaker_id.npz"


@pytest.fixture(scope="module")
def train():
    return load_uea("JapaneseVowels", "train")


def test_split_is_stratified_disjoint_and_covers_the_training_split(train):
    fit_idx, val_idx = script.split_train(train, script.CONFIG)
    assert np.intersect1d(fit_idx, val_idx).size == 0
    assert np.array_equal(np.union1d(fit_idx, val_idx), np.arange(len(train)))
    assert np.bincount(train.labels[val_idx]).tolist() == [6] * 9  # 20% of each speaker's 30


def test_features_are_standardised_on_the_fit_part_and_zero_past_each_length(train):
    fit_idx, _ = script.split_train(train, script.CONFIG)
    mean, std = script.frame_stats(train, fit_idx)
    x, lengths = script.features(train, mean, std)
    assert x.shape == (len(train), train.lengths.max(), 12) and np.array_equal(lengths, train.lengths)
    frames = np.concatenate([x[i, :lengths[i]] for i in fit_idx])
    np.testing.assert_allclose(frames.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(frames.std(axis=0), 1, rtol=1e-12)
    assert all(np.all(x[i, n:] == 0) for i, n in enumerate(lengths))


def test_tiny_configuration_selects_epochs_trains_and_round_trips(tmp_path):
    config = {**script.CONFIG, "hidden_size": 4, "max_epochs": 4, "patience": 2, "seeds": (0, 1)}
    models, extras = script.train_all(config, show_progress=False)
    assert sorted(models) == ["seed0", "seed1"]
    for s in config["seeds"]:
        epochs = int(extras[f"seed{s}_epochs"])
        assert 1 <= epochs <= config["max_epochs"]
        val_loss = extras[f"seed{s}_val_loss"]
        assert val_loss[epochs] == val_loss[1:].min() < val_loss[0]  # the selected epoch has the lowest loss
        train_loss = extras[f"seed{s}_train_loss"]
        assert train_loss.shape == (epochs + 1,) and train_loss[-1] < train_loss[0]
    fresh = {f"seed{s}": script.make_model(config, s) for s in config["seeds"]}
    assert_round_trip(tmp_path / "speaker_id.npz", models, extras, fresh)


def test_shipped_weights_reproduce_their_recorded_training_loss(train):
    assert SHIPPED.stat().st_size < 1_000_000
    config = script.CONFIG
    models = {f"seed{s}": script.make_model(config, s) for s in config["seeds"]}
    saved = lp.load_checkpoint(SHIPPED, models)
    fit_idx, val_idx = script.split_train(train, config)
    assert np.array_equal(saved["fit_idx"], fit_idx) and np.array_equal(saved["val_idx"], val_idx)
    mean, std = script.frame_stats(train, fit_idx)
    np.testing.assert_array_equal(saved["mean"], mean)
    np.testing.assert_array_equal(saved["std"], std)
    x, lengths = script.features(train, mean, std)
    for s in config["seeds"]:
        epochs = int(saved[f"seed{s}_epochs"])
        assert saved[f"seed{s}_val_loss"][epochs] == saved[f"seed{s}_val_loss"][1:].min()
        loss = lp.evaluate(models[f"seed{s}"], lp.CrossEntropyLoss(), (x, lengths, train.labels))["loss"]
        np.testing.assert_allclose(loss, saved[f"seed{s}_train_loss"][-1], rtol=1e-10)
