"""lessonpkg.apps.melody: whole-piece batches, per-token log-probabilities of the network and the n-gram, synthesis."""

import numpy as np
import pytest
import torch

import lessonpkg as lp
from lessonpkg.apps import melody


def random_pieces(n=7, V=9, seed=0):
    rng = np.random.default_rng(seed)
    return [np.concatenate([[0], rng.integers(1, V, size=int(rng.integers(1, 12))), [0]]) for _ in range(n)]


def test_piece_batch_shifts_pads_and_ignores_padding():
    x, lengths, y = melody.piece_batch([np.array([0, 3, 4, 0]), np.array([0, 5, 0])])
    assert x.tolist() == [[0, 3, 4], [0, 5, 0]] and lengths.tolist() == [3, 2]
    assert y.tolist() == [[3, 4, 0], [5, 0, -100]]


def test_piece_batches_serve_every_piece_once_trimmed_and_in_a_fixed_order_without_rng():
    pieces = random_pieces()
    seen = []
    for (x, lengths), (y,) in melody.PieceBatches(pieces).batches(3, np.random.default_rng(0)):
        assert x.shape == y.shape and x.shape[1] == lengths.max() and len(lengths) <= 3
        seen += [tuple(x[i, :n]) for i, n in enumerate(lengths)]
    assert sorted(seen) == sorted(tuple(p[:-1]) for p in pieces)
    first = [b[0][0].tolist() for b in melody.PieceBatches(pieces).batches(3, None)]
    assert first == [b[0][0].tolist() for b in melody.PieceBatches(pieces).batches(3, None)]
    lengths = [b[0][1].max() for b in melody.PieceBatches(pieces).batches(3, None)]
    assert lengths == sorted(lengths)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_piece_log_probs_give_evaluates_loss_and_torchs_cross_entropy(cell):
    pieces = random_pieces()
    model = lp.charlm.make_char_lm(cell, 9, 4, 5, rng=1)
    logp = melody.piece_log_probs(model, pieces, batch_size=3)
    assert [len(a) for a in logp] == [len(p) - 1 for p in pieces]
    nll = -np.concatenate(logp).mean()
    loss = lp.evaluate(model, lp.CrossEntropyLoss(ignore_index=-100), melody.PieceBatches(pieces))["loss"]
    np.testing.assert_allclose(nll, loss, rtol=1e-12)
    x, lengths, y = melody.piece_batch(pieces)
    logits, _ = model.forward(x, lengths)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y), ignore_index=-100)
    np.testing.assert_allclose(nll, expected.item(), rtol=1e-12)


def test_ngram_piece_log_probs_split_the_streams_scores():
    pieces = random_pieces()
    stream = melody.to_stream(pieces)
    assert stream[0] == 0 and (stream == 0).sum() == len(pieces) + 1
    kn = lp.ngram.KneserNeyModel(3, 9).fit(melody.to_stream(random_pieces(seed=1)))
    parts = melody.ngram_piece_log_probs(kn, pieces)
    assert [len(a) for a in parts] == [len(p) - 1 for p in pieces]
    np.testing.assert_array_equal(np.concatenate(parts), kn.token_log_probs(stream))


def test_training_lowers_the_validation_loss_and_keeps_the_best_epoch():
    pieces = [np.array([0, 1, 2, 3, 4, 1, 2, 3, 4, 0])] * 6 + [np.array([0, 2, 3, 4, 1, 2, 3, 4, 0])] * 6
    model, history = melody.train_music_lm("GRU", pieces, pieces[::3], 5, embedding_dim=3, hidden_size=6, epochs=8,
                                           batch_size=4, lr=0.05, rng=0)
    assert history["val_loss"].min() < 0.5 * history["val_loss"][0]
    best = -np.concatenate(melody.piece_log_probs(model, pieces[::3])).mean()
    np.testing.assert_allclose(best, history["val_loss"].min(), rtol=1e-12)


def test_synthesize_lengths_pitch_and_silence():
    sr = 8000
    wave = melody.synthesize([(69, 1.0), (None, 0.5), (81, 0.5)], sample_rate=sr, seconds_per_quarter=0.5,
                             harmonics=(1.0,))
    assert wave.shape == (sr,) and np.abs(wave).max() == pytest.approx(1.0) and np.isfinite(wave).all()
    assert np.all(wave[sr // 2: 3 * sr // 4] == 0)  # the rest
    spectrum = np.abs(np.fft.rfft(wave[: sr // 2]))
    assert np.argmax(spectrum) * 2 == 440  # bins of 2 Hz for half a second: A4 sounds at 440 Hz


def test_bad_inputs_raise_clear_errors():
    model = lp.charlm.make_char_lm("LSTM", 9, 4, 5, rng=1)
    with pytest.raises(TypeError, match="pieces must be a non-empty list"):
        melody.piece_batch([])
    with pytest.raises(ValueError, match=r"pieces\[1\] must be a 1-d array of at least 2"):
        melody.piece_batch([np.array([0, 1]), np.array([0])])
    with pytest.raises(TypeError, match=r"pieces\[0\] must have an integer dtype"):
        melody.to_stream([np.array([0.0, 1.0])])
    with pytest.raises(TypeError, match="model must be a lessonpkg RNNLanguageModel"):
        melody.piece_log_probs(object(), random_pieces())
    with pytest.raises(TypeError, match="model must be a lessonpkg KneserNeyModel"):
        melody.ngram_piece_log_probs(model, random_pieces())
    with pytest.raises(ValueError, match="batch_size must be"):
        list(melody.PieceBatches(random_pieces()).batches(0, None))
    with pytest.raises(ValueError, match="harmonics must be"):
        melody.synthesize([(60, 1.0)], harmonics=())
    with pytest.raises(ValueError, match="quarter length must be"):
        melody.synthesize([(60, 0.0)])
    with pytest.raises(ValueError, match="pitch must be"):
        melody.synthesize([(130, 1.0)])
    with pytest.raises(ValueError, match="at least one"):
        melody.synthesize([])
    with pytest.raises(TypeError, match=r"notes\[0\] must be a \(MIDI pitch"):
        melody.synthesize([60])
    with pytest.raises(ValueError, match="cell must be"):
        melody.train_music_lm("Tanh", random_pieces(), random_pieces(), 9)
