"""lessonpkg.data.padding: the one pad_sequences, equal to torch's pad_sequence(batch_first=True) plus lengths."""

import numpy as np
import pytest
from equality_log import record

import lessonpkg as lp
from lessonpkg.data.padding import pad_sequences


def test_token_ids_are_padded_at_the_end():
    ids, lengths = pad_sequences([np.array([3, 4, 5]), np.array([6]), [7, 8]], padding_value=0)
    assert ids.dtype == np.int64 and lengths.dtype == np.int64
    assert ids.tolist() == [[3, 4, 5], [6, 0, 0], [7, 8, 0]] and lengths.tolist() == [3, 1, 2]
    ids, _ = pad_sequences([[1, 2], [3]], padding_value=-100)  # ignore_index
    assert ids.tolist() == [[1, 2], [3, -100]]


def test_features_keep_their_trailing_shape_and_dtype():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((t, 3, 2)).astype(np.float32) for t in (2, 5, 1)]
    x, lengths = pad_sequences(seqs)
    assert x.shape == (3, 5, 3, 2) and x.dtype == np.float32 and lengths.tolist() == [2, 5, 1]
    for n, s in enumerate(seqs):
        assert np.array_equal(x[n, :len(s)], s) and not x[n, len(s):].any()


def test_dtype_and_empty_sequences():
    x, lengths = pad_sequences([np.array([1, 2], dtype=np.int32), np.array([], dtype=np.int32)])
    assert x.dtype == np.int32 and x.tolist() == [[1, 2], [0, 0]] and lengths.tolist() == [2, 0]
    assert pad_sequences([[1, 2], []])[0].dtype == np.int64  # an empty list does not make the result float
    x, _ = pad_sequences([[1, 2], [0.5]])
    assert x.dtype == np.float64 and x.tolist() == [[1.0, 2.0], [0.5, 0.0]]
    x, _ = pad_sequences([[1, 2], [3]], padding_value=-1.5, dtype=np.float64)
    assert x.tolist() == [[1.0, 2.0], [3.0, -1.5]]
    x, lengths = pad_sequences([[], []])
    assert x.shape == (2, 0) and lengths.tolist() == [0, 0]
    mask, _ = pad_sequences([[True], [True, True]], padding_value=False)
    assert mask.dtype == bool and mask.tolist() == [[True, False], [True, True]]
    assert pad_sequences(np.arange(6).reshape(2, 3))[0].tolist() == [[0, 1, 2], [3, 4, 5]]  # rows of an array


@pytest.mark.parametrize("trailing, padding_value", [((), 0), ((), -100), ((4,), 0.0), ((2, 3), 2.5)])
@pytest.mark.parametrize("lengths", [(1,), (3, 1, 4, 1, 5), (2, 2), (0, 3)])
def test_equals_torch_pad_sequence(lengths, trailing, padding_value):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pad_sequence

    rng = np.random.default_rng(len(lengths))
    if isinstance(padding_value, int):
        seqs = [rng.integers(0, 50, size=(t, *trailing)) for t in lengths]
    else:
        seqs = [rng.standard_normal((t, *trailing)) for t in lengths]
    ours, got_lengths = pad_sequences(seqs, padding_value=padding_value)
    theirs = pad_sequence([torch.from_numpy(s) for s in seqs], batch_first=True, padding_value=padding_value).numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape and np.array_equal(ours, theirs)
    assert got_lengths.tolist() == list(lengths)
    record("data.pad_sequences", ["padded"], (len(lengths), max(lengths), *trailing), 0.0)


def test_exported_from_lessonpkg_data():
    assert lp.data.pad_sequences is pad_sequences
    assert lp.data.speech.pad_sequences is pad_sequences  # the path scripts and Chapter 12 used


@pytest.mark.parametrize("call, error, match", [
    (lambda: pad_sequences([]), ValueError, "seqs must hold at least one sequence, got none"),
    (lambda: pad_sequences("abc"), TypeError, "seqs must be a list of numpy arrays"),
    (lambda: pad_sequences(3), TypeError, "seqs must be a list of numpy arrays"),
    (lambda: pad_sequences([np.ones(2), 5.0]), ValueError, r"seqs\[1\] must have shape \(T, ...\)"),
    (lambda: pad_sequences([np.ones((2, 3)), np.ones((2, 4))]), ValueError,
     r"seqs\[1\] must have shape \(T, 3\) like seqs\[0\], got \(2, 4\)"),
    (lambda: pad_sequences([["a", "b"]]), TypeError, r"seqs\[0\] must hold numbers, got dtype <U1"),
    (lambda: pad_sequences([[1, 2], [[1], [2, 3]]]), ValueError,
     r"seqs\[1\] must be an array of shape \(T, ...\), got a ragged"),
    (lambda: pad_sequences([[0.5, 1.5]], dtype=np.int64), TypeError, "float64, which dtype=int64 would truncate"),
    (lambda: pad_sequences([[1, 2]], dtype="nonsense"), TypeError, "dtype must be a numpy dtype"),
    (lambda: pad_sequences([[1, 2]], dtype=np.str_), TypeError, "dtype must be a numeric numpy dtype"),
    (lambda: pad_sequences([[1, 2]], padding_value=0.5), ValueError, "padding_value must be an integer in"),
    (lambda: pad_sequences([[1, 2]], padding_value=np.nan), ValueError, "padding_value must be an integer in"),
    (lambda: pad_sequences([np.array([1], dtype=np.uint8)], padding_value=-100), ValueError,
     r"padding_value must be an integer in \[0, 255\] for dtype uint8, got -100"),
    (lambda: pad_sequences([[1, 2]], padding_value="0"), TypeError, "padding_value must be a number, got str"),
    (lambda: pad_sequences([[1, 2]], padding_value=None), TypeError, "padding_value must be a number"),
    (lambda: pad_sequences([[1.0, 2.0]], padding_value=True), TypeError, "padding_value must be a number, got bool"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_refuses_torch_tensors():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"seqs\[0\] must be a numpy array, got a torch tensor"):
        pad_sequences([torch.ones(2)])
