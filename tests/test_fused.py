"""The fast paths of lessonpkg/nn/fused.py equal the loops the chapters display, for LSTM and GRU layers.

The layers run the fused loops by default (``fast_path = True``); with ``fast_path = False`` they run the
loops of lstm.py and gru.py, which call the cell's step function once per step. Both must give the same
outputs, final states and gradients, in float64 to 1e-12, whatever the layers, directions, lengths,
biases and layout.
"""

import numpy as np
import pytest

import lessonpkg as lp


def run(layer, x, state, lengths, fast):
    layer.fast_path = fast
    out, final, cache = layer.forward(x, state, lengths=lengths)
    rng = np.random.default_rng(1)
    dout = rng.standard_normal(out.shape).astype(out.dtype)
    dfinal = tuple(rng.standard_normal(f.shape).astype(f.dtype) for f in final) if isinstance(final, tuple) \
        else rng.standard_normal(final.shape).astype(final.dtype)
    dx, dstate, grads = layer.backward(dout, cache, dfinal)
    finals = final if isinstance(final, tuple) else (final,)
    dstates = dstate if isinstance(dstate, tuple) else (dstate,)
    return {"out": out, "dx": dx, **{f"final{i}": f for i, f in enumerate(finals)},
            **{f"dstate{i}": d for i, d in enumerate(dstates)}, **{f"d{k}": g for k, g in grads.items()}}


@pytest.mark.parametrize("cls", [lp.nn.LSTM, lp.nn.GRU])
@pytest.mark.parametrize("T, N, D, H", [(1, 1, 1, 1), (5, 3, 4, 6), (9, 2, 3, 5), (40, 4, 3, 8)])
@pytest.mark.parametrize("num_layers, bidirectional, bias, batch_first, with_lengths", [
    (1, False, True, False, False),
    (2, True, True, False, True),
    (1, False, False, True, True),
    (3, True, True, True, False),
])
def test_fused_loop_equals_the_displayed_loop(cls, T, N, D, H, num_layers, bidirectional, bias, batch_first,
                                              with_lengths):
    rng = np.random.default_rng(T * 100 + N * 10 + D)
    layer = cls(D, H, num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, rng=rng)
    assert layer.fast_path  # the default
    x = rng.standard_normal((N, T, D) if batch_first else (T, N, D))
    shape = (num_layers * layer.num_directions, N, H)
    state = tuple(rng.standard_normal(shape) for _ in layer.state_names)
    state = state if cls is lp.nn.LSTM else state[0]
    lengths = rng.integers(1, T + 1, size=N) if with_lengths else None
    fused, plain = run(layer, x, state, lengths, True), run(layer, x, state, lengths, False)
    assert list(fused) == list(plain)
    for name in plain:
        np.testing.assert_allclose(fused[name], plain[name], rtol=1e-12, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("cls", [lp.nn.LSTM, lp.nn.GRU])
def test_float32_fused_loop_is_close_to_the_displayed_loop(cls):
    rng = np.random.default_rng(0)
    layer = cls(3, 4, 2, bidirectional=True, rng=0, dtype=np.float32)
    x = rng.standard_normal((7, 2, 3)).astype(np.float32)
    fused, plain = run(layer, x, None, [7, 4], True), run(layer, x, None, [7, 4], False)
    for name in plain:
        assert fused[name].dtype == np.float32
        np.testing.assert_allclose(fused[name], plain[name], rtol=1e-4, atol=1e-5, err_msg=name)
