"""scripts/train_speech.py: its training still lowers every loss in a tiny configuration, and the shipped file loads."""

from script_helpers import ROOT, assert_round_trip, load_script

import lessonpkg as lp

script = load_script("train_speech")


def test_tiny_configuration_trains_and_round_trips(tmp_path):
    config = {**script.CONFIG, "n_speakers": (2, 1, 1), "n_per_speaker": 10, "hidden_size": 8, "word_epochs": 3,
              "ctc_epochs": 3, "frame_epochs": 2, "frame_hidden": 8}
    models, extras = script.train_all(config, show_progress=False)
    for key in ("word", "ctc", "frame"):
        assert extras[f"{key}_val_loss"][-1] < extras[f"{key}_val_loss"][0], key
    assert_round_trip(tmp_path / "speech.npz", models, extras, script.make_models(config))


def test_shipped_weights_load_with_their_curves():
    path = ROOT / "book" / "data" / "speech.npz"
    assert path.stat().st_size < 1_000_000
    saved = lp.load_checkpoint(path, script.make_models(script.CONFIG))
    assert saved["ctc_val_per"].shape == (script.CONFIG["ctc_epochs"] + 1,)
    assert saved["word_val_acc"].shape == (script.CONFIG["word_epochs"] + 1,)
