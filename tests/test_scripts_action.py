"""scripts/train_action.py: a tiny configuration trains, chooses a learning rate by validation loss, round-trips,
and the shipped file loads with its curves."""

import numpy as np
from script_helpers import ROOT, assert_round_trip, load_script

import lessonpkg as lp

script = load_script("train_action")


def test_tiny_configuration_trains_chooses_a_rate_and_round_trips(tmp_path):
    config = {**script.CONFIG, "kinds": ("gru", "bigru"), "seeds": (0,), "hidden_size": 4, "epochs": 3,
              "patience": 2, "lrs": (0.03, 1e-9)}
    models, extras = script.train_all(config, show_progress=False)
    assert set(models) == {script.run_name(p, k, 0) for p in config["problems"] for k in config["kinds"]}
    for problem in config["problems"]:
        for kind in config["kinds"]:
            by_lr = extras[f"{problem}_{kind}_val_loss_by_lr"]
            assert by_lr.shape == (2,) and extras[f"{problem}_{kind}_lr"] == config["lrs"][int(np.argmin(by_lr))]
            name = script.run_name(problem, kind, 0)
            curve, best = extras[f"{name}_val_loss"], int(extras[f"{name}_best_epoch"])
            assert curve.shape == (config["epochs"] + 1,) and 1 <= best <= config["epochs"]
    assert extras["GunPoint_gru_lr"] == 0.03  # a rate of 1e-9 cannot lower the validation loss
    assert_round_trip(tmp_path / "action.npz", models, extras, script.make_models(config))


def test_validation_set_is_held_out_of_the_training_split_and_stratified():
    x, y, mean, std = script.load_problem("BasicMotions", "train")
    np.testing.assert_allclose(x.mean(axis=(0, 1)), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=(0, 1)), 1.0)
    xt, _, _, _ = script.load_problem("BasicMotions", "test", mean, std)
    assert xt.shape == (40, 100, 6)
    model = script.make_model("lstm", 6, 4, 4, seed=0)
    _, _, val_idx = script.train_one(model, x, y, 0, {**script.CONFIG, "lr": 0.01, "epochs": 1})
    assert np.bincount(y[val_idx]).tolist() == [2, 2, 2, 2]


def test_shipped_weights_load_with_their_curves():
    path = ROOT / "book" / "data" / "action.npz"
    assert path.stat().st_size < 1_000_000
    saved = lp.load_checkpoint(path, script.make_models(script.CONFIG))
    for problem in script.CONFIG["problems"]:
        for kind in script.CONFIG["kinds"]:
            assert saved[f"{problem}_{kind}_lr"] in script.CONFIG["lrs"]
            for seed in script.CONFIG["seeds"]:
                assert saved[f"{script.run_name(problem, kind, seed)}_val_loss"].shape == (script.CONFIG["epochs"] + 1,)
