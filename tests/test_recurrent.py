"""What RNN, LSTM and GRU share: parameters, lengths, directions, batch_first, unbatched input, interop, bad input."""

import collections
import importlib

import numpy as np
import pytest
import torch
from recurrent_twin import compare_cell, compare_layer, loop_over_cell, random_states

import lessonpkg as lp
from lessonpkg.nn.recurrent import packing, reverse_time

LAYERS = [lp.RNN, lp.LSTM, lp.GRU]
CELLS = [lp.RNNCell, lp.LSTMCell, lp.GRUCell]


def states_like(module, N, rng):
    return random_states(module, (1, N, module.input_size), rng)


# -- parameters ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("num_layers, bidirectional, bias", [(1, False, True), (2, True, True), (3, True, False)])
def test_params_are_torchs(cls, num_layers, bidirectional, bias):
    module = cls(3, 5, num_layers=num_layers, bias=bias, bidirectional=bidirectional, rng=0)
    twin = getattr(torch.nn, cls.__name__)(3, 5, num_layers=num_layers, bias=bias, bidirectional=bidirectional)
    assert [(k, v.shape) for k, v in module.params.items()] == [(k, tuple(p.shape)) for k, p in twin.named_parameters()]
    bound = 1 / np.sqrt(5)
    for v in module.params.values():
        assert v.dtype == np.float64 and np.all(np.abs(v) <= bound) and np.ptp(v) > 0


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_params_are_torchs(cls, bias):
    cell, twin = cls(3, 5, bias, rng=0), getattr(torch.nn, cls.__name__)(3, 5, bias)
    assert [(k, v.shape) for k, v in cell.params.items()] == [(k, tuple(p.shape)) for k, p in twin.named_parameters()]


@pytest.mark.parametrize("cls", LAYERS + CELLS)
def test_rng_and_dtype(cls):
    a, b, c = cls(2, 3, rng=7), cls(2, 3, rng=np.random.default_rng(7)), cls(2, 3, rng=8)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["weight_hh" + ("" if "Cell" in cls.__name__ else "_l0")],
                              c.params["weight_hh" + ("" if "Cell" in cls.__name__ else "_l0")])
    assert all(v.dtype == np.float32 for v in cls(2, 3, dtype=np.float32).params.values())


@pytest.mark.parametrize("cls", LAYERS + CELLS)
def test_interop_round_trip(cls):
    layer_kwargs = {"num_layers": 2, "bidirectional": True, "batch_first": True}
    kwargs = {"bias": False} if "Cell" in cls.__name__ else layer_kwargs
    if cls in (lp.RNN, lp.RNNCell):
        kwargs["nonlinearity"] = "relu"
    module = cls(3, 4, **kwargs, rng=0)
    twin = lp.to_torch(module)
    assert type(twin) is getattr(torch.nn, cls.__name__)
    back = lp.from_torch(twin)
    assert type(back) is cls and back.torch_kwargs() == module.torch_kwargs()
    assert all(np.array_equal(back.params[k], v) for k, v in module.params.items())
    module.load_state_dict(getattr(torch.nn, cls.__name__)(3, 4, **kwargs).state_dict())
    assert not np.array_equal(back.params[next(iter(back.params))], module.params[next(iter(module.params))])


def test_proj_size_is_refused():
    with pytest.raises(ValueError, match="proj_size is not supported; got proj_size=2"):
        lp.LSTM.kwargs_from_torch(torch.nn.LSTM(3, 4, proj_size=2))


# -- lengths -------------------------------------------------------------------------------------------
def test_packing_layout():
    order, batch_sizes, sorted_lengths = packing([2, 5, 2, 4], T=5, N=4)
    assert list(order) == [1, 3, 0, 2] and list(sorted_lengths) == [5, 4, 2, 2]
    assert list(batch_sizes) == [4, 4, 2, 2, 1]
    assert packing(np.array([3, 3]), T=3, N=2) is None  # all full: no packing needed
    a = np.arange(5)[:, None, None] * np.ones((5, 2, 1))
    np.testing.assert_array_equal(reverse_time(a, np.array([5, 3]))[:, :, 0].T, [[4, 3, 2, 1, 0], [2, 1, 0, 3, 4]])


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("lengths", [[1, 4, 2, 4, 3], [4, 4, 1, 1, 2], [2, 2, 2, 2, 2]])
def test_lengths_match_torch(cls, lengths):
    rng = np.random.default_rng(sum(lengths))
    module = cls(3, 2, num_layers=2, bidirectional=True, rng=rng)
    x = rng.standard_normal((4, 5, 3))
    compare_layer(module, x, states_like(module, 5, rng), lengths)
    compare_layer(module, x, None, np.array(lengths), dstates=None)


@pytest.mark.parametrize("cls", LAYERS)
def test_padding_is_ignored(cls):
    """Outputs past a length are 0; padded inputs and dout on padding change nothing and get zero gradient."""
    rng = np.random.default_rng(1)
    module = cls(2, 3, bidirectional=True, rng=rng)
    lengths = [3, 1, 5]
    x = rng.standard_normal((5, 3, 2))
    out, final, cache = module.forward(x, lengths=lengths)
    pad = np.arange(5)[:, None] >= np.array(lengths)[None, :]  # (T, N)
    assert np.all(out[pad] == 0)
    dout = rng.standard_normal(out.shape)
    dx, _, grads = module.backward(dout, cache)
    assert np.all(dx[pad] == 0)
    x2, dout2 = x.copy(), dout.copy()
    x2[pad], dout2[pad] = 100.0, -7.0
    out2, final2, cache2 = module.forward(x2, lengths=lengths)
    dx2, _, grads2 = module.backward(dout2, cache2)
    np.testing.assert_array_equal(out2, out)
    np.testing.assert_array_equal(dx2, dx)
    for k in grads:
        np.testing.assert_array_equal(grads2[k], grads[k])


@pytest.mark.parametrize("cls", LAYERS)
def test_final_state_is_last_valid_step(cls):
    """h_n's forward half is out at each sequence's last step; its reverse half is the reverse output at t = 0."""
    rng = np.random.default_rng(2)
    module, H, lengths = cls(2, 3, bidirectional=True, rng=rng), 3, [2, 5, 1]
    out, final, _ = module.forward(rng.standard_normal((5, 3, 2)), lengths=lengths)
    h_n = final[0] if isinstance(final, tuple) else final
    for j, L in enumerate(lengths):
        np.testing.assert_array_equal(h_n[0, j], out[L - 1, j, :H])
        np.testing.assert_array_equal(h_n[1, j], out[0, j, H:])


def test_reverse_direction_starts_at_the_last_valid_step():
    """The reverse half of out equals a reverse-direction RNNCell run over x[:L][::-1] alone."""
    rng = np.random.default_rng(3)
    rnn = lp.RNN(2, 3, bidirectional=True, rng=rng)
    cell = lp.RNNCell(2, 3)
    cell.load_state_dict({k.removesuffix("_l0_reverse"): v for k, v in rnn.params.items() if "reverse" in k})
    x, h0, lengths = rng.standard_normal((5, 2, 2)), rng.standard_normal((2, 2, 3)), [3, 5]
    out, _, _ = rnn.forward(x, h0, lengths)
    for j, L in enumerate(lengths):
        h = h0[1, j]
        for t in reversed(range(L)):
            h, _ = cell.forward(x[t, j], h)
            np.testing.assert_allclose(out[t, j, 3:], h, rtol=1e-13)


@pytest.mark.parametrize("cls", LAYERS)
def test_full_lengths_equal_no_lengths(cls):
    rng = np.random.default_rng(4)
    module = cls(2, 3, num_layers=2, bidirectional=True, rng=rng)
    x = rng.standard_normal((4, 3, 2))
    a, b = module.forward(x), module.forward(x, lengths=[4, 4, 4])
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("cls", LAYERS)
def test_lengths_as_torch_tensor(cls):
    module = cls(2, 3, rng=0)
    x = np.random.default_rng(5).standard_normal((4, 2, 2))
    np.testing.assert_array_equal(module.forward(x, lengths=torch.tensor([2, 4]))[0],
                                  module.forward(x, lengths=[2, 4])[0])


# -- batch_first, unbatched, dout None ---------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS)
def test_batch_first_is_a_transpose(cls):
    rng = np.random.default_rng(6)
    tm, bf = cls(2, 3, 2, rng=0), cls(2, 3, 2, rng=0, batch_first=True)
    x = rng.standard_normal((4, 3, 2))
    out, final, cache = tm.forward(x, lengths=[4, 2, 1])
    out_bf, final_bf, cache_bf = bf.forward(x.transpose(1, 0, 2), lengths=[4, 2, 1])
    np.testing.assert_array_equal(out_bf, out.transpose(1, 0, 2))
    dout = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(bf.backward(dout.transpose(1, 0, 2), cache_bf)[0],
                                  tm.backward(dout, cache)[0].transpose(1, 0, 2))


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_layer_matches_torch(cls, batch_first):
    rng = np.random.default_rng(7)
    module = cls(3, 2, num_layers=2, bidirectional=True, batch_first=batch_first, rng=rng)
    x = rng.standard_normal((4, 3))
    compare_layer(module, x, random_states(module, x.shape, rng, unbatched=True))
    out, final, _ = module.forward(x)
    assert out.shape == (4, 4) and (final[0] if isinstance(final, tuple) else final).shape == (4, 2)


@pytest.mark.parametrize("cls", [lp.RNN, lp.GRU])
def test_dout_none_means_zeros(cls):
    rng = np.random.default_rng(8)
    module = cls(2, 3, rng=rng)
    out, h_n, cache = module.forward(rng.standard_normal((3, 2, 2)))
    dh_n = rng.standard_normal(h_n.shape)
    a, b = module.backward(None, cache, dh_n), module.backward(np.zeros_like(out), cache, dh_n)
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("cls", LAYERS)
def test_backward_is_pure(cls):
    """backward leaves params, cache and its inputs alone, so calling it twice gives the same; grads never alias."""
    rng = np.random.default_rng(9)
    module = cls(2, 3, num_layers=2, bidirectional=True, rng=rng)
    params = module.state_dict()
    out, final, cache = module.forward(rng.standard_normal((4, 2, 2)), lengths=[4, 3])
    dout = rng.standard_normal(out.shape)
    dfinal = tuple(np.ones_like(f) for f in final) if isinstance(final, tuple) else np.ones_like(final)
    dout_copy = dout.copy()
    first, second = module.backward(dout, cache, dfinal), module.backward(dout, cache, dfinal)
    np.testing.assert_array_equal(dout, dout_copy)
    np.testing.assert_array_equal(first[0], second[0])
    assert all(np.array_equal(first[2][k], second[2][k]) for k in params)
    assert all(np.array_equal(params[k], module.params[k]) for k in params)
    arrays = list(first[2].values())
    assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])


@pytest.mark.parametrize("cls, cell_cls", list(zip(LAYERS, CELLS)))
def test_layer_and_cell_run_the_same_step_functions(cls, cell_cls, monkeypatch):
    """The layer's loop calls its cell's step function once per step, layer and direction, forward and backward,
    and the cell calls it once: the step a chapter shows is the code that runs."""
    module = importlib.import_module(cls.__module__)
    name = cls.__name__.lower()
    calls = collections.Counter()
    for kind in ("forward", "backward"):
        step = getattr(module, f"{name}_step_{kind}")

        def counted(*args, _step=step, _kind=kind, **kwargs):
            calls[_kind] += 1
            return _step(*args, **kwargs)

        monkeypatch.setattr(module, f"{name}_step_{kind}", counted)
    T, N, num_layers = 5, 3, 2
    layer = cls(2, 3, num_layers=num_layers, bidirectional=True, rng=0)
    layer.fast_path = False  # the LSTM and GRU layers run a fused loop by default (tests/test_fused.py)
    out, final, cache = layer.forward(np.ones((T, N, 2)), lengths=[2, T, 4])
    layer.backward(np.ones_like(out), cache)
    assert calls == {"forward": T * num_layers * 2, "backward": T * num_layers * 2}
    calls.clear()
    cell = cell_cls(2, 3, rng=0)
    _, cache = cell.forward(np.ones((N, 2)))
    cell.backward((np.ones((N, 3)), None) if cls is lp.LSTM else np.ones((N, 3)), cache)
    assert calls == {"forward": 1, "backward": 1}


@pytest.mark.parametrize("cls", LAYERS)
def test_float32_layers(cls):
    rng = np.random.default_rng(10)
    m32, m64 = cls(3, 4, 2, rng=0, dtype=np.float32), cls(3, 4, 2, rng=0)
    x = rng.standard_normal((5, 2, 3))
    out32, _, cache32 = m32.forward(x.astype(np.float32), lengths=[5, 2])
    out64, _, cache64 = m64.forward(x, lengths=[5, 2])
    dx32, _, g32 = m32.backward(np.ones_like(out32), cache32)
    dx64, _, g64 = m64.backward(np.ones_like(out64), cache64)
    assert out32.dtype == dx32.dtype == np.float32 and all(g.dtype == np.float32 for g in g32.values())
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx32, dx64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_cell_h0_none_is_zeros(cls):
    rng = np.random.default_rng(11)
    cell = cls(2, 3, rng=rng)
    x = rng.standard_normal((4, 2))
    zeros = (np.zeros((4, 3)), np.zeros((4, 3))) if cls is lp.LSTMCell else np.zeros((4, 3))
    a, b = cell.forward(x)[0], cell.forward(x, zeros)[0]
    np.testing.assert_array_equal(a[0] if cls is lp.LSTMCell else a, b[0] if cls is lp.LSTMCell else b)
    compare_cell(cell, x, None)


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS)
def test_bad_layer_input(cls):
    module, x = cls(8, 4, num_layers=2), np.zeros((5, 3, 8))
    lstm = cls is lp.LSTM
    x_nan = x.copy()
    x_nan[2, 1, 3] = np.nan
    h0_bad = (np.zeros((1, 3, 4)), np.zeros((2, 3, 4))) if lstm else np.zeros((1, 3, 4))
    cases = [
        (ValueError, r"x must have shape \(T, N, 8\) with input_size=8, got \(5, 3, 7\)", (np.zeros((5, 3, 7)),), {}),
        (ValueError, r"x must have shape \(T, N, 8\) with input_size=8, got \(5, 3, 2, 8\)", (np.zeros((5, 3, 2, 8)),),
         {}),
        (ValueError, r"x must have shape \(\*, 8\) with input_size=8 \(an unbatched sequence\), got \(5, 7\)",
         (np.zeros((5, 7)),), {}),
        (ValueError, r"h0 must have shape \(2, 3, 4\) with num_layers\*num_directions=2, N=3, hidden_size=4, "
                     r"got \(1, 3, 4\)", (x, h0_bad), {}),
        (ValueError, r"lengths must lie between 1 and T=5, got 0", (x,), {"lengths": [3, 0, 5]}),
        (ValueError, r"lengths must lie between 1 and T=5, got 6", (x,), {"lengths": [3, 6, 5]}),
        (ValueError, r"lengths must have shape \(3,\), one length per sequence in the batch, got \(2,\)", (x,),
         {"lengths": [3, 5]}),
        (TypeError, r"lengths must hold integers, got dtype float64", (x,), {"lengths": [3.0, 2.0, 5.0]}),
        (ValueError, r"lengths must be None for an unbatched x", (np.zeros((5, 8)),), {"lengths": [5]}),
        (TypeError, r"x must have dtype float64 \(the module's dtype\), got float32", (x.astype(np.float32),), {}),
        (ValueError, r"x must be finite, got 1 NaN or inf entries", (x_nan,), {}),
        (ValueError, r"x must have at least one time step", (np.zeros((0, 3, 8)),), {}),
        (ValueError, r"x must have at least one time step and one sequence, got shape \(0, 8\)",
         (np.zeros((0, 8)),), {}),
    ]
    for error, match, args, kwargs in cases:
        with pytest.raises(error, match=match):
            module.forward(*args, **kwargs)
    out, final, cache = module.forward(x)
    with pytest.raises(ValueError, match=r"dout must have shape \(5, 3, 4\) with the shape of the out returned by "
                                         r"forward, got \(5, 3, 3\)"):
        module.backward(np.zeros((5, 3, 3)), cache)
    with pytest.raises(TypeError, match=r"dout must have dtype float64"):
        module.backward(np.zeros((5, 3, 4), np.float32), cache)
    dbad = (np.zeros((2, 3, 4)), np.zeros((2, 3, 5))) if lstm else np.zeros((2, 3, 5))
    with pytest.raises(ValueError, match=r"d[hc]_n must have shape \(2, 3, 4\)"):
        module.backward(None, cache, dbad)
    other = lp.GRU if cls is not lp.GRU else lp.RNN
    with pytest.raises(TypeError, match=f"cache must be the cache returned by this {other.__name__}'s forward"):
        other(8, 4).backward(None, cache)


def test_batch_first_shape_message():
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 8\) with input_size=8, got \(3, 5, 7\)"):
        lp.GRU(8, 4, batch_first=True).forward(np.zeros((3, 5, 7)))


@pytest.mark.parametrize("cls", CELLS)
def test_bad_cell_input(cls):
    cell = cls(8, 4)
    state = (lambda s: (s, s)) if cls is lp.LSTMCell else (lambda s: s)
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 8\) with input_size=8, got \(3, 7\)"):
        cell.forward(np.zeros((3, 7)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(3, 4\) with hidden_size=4"):
        cell.forward(np.zeros((3, 8)), state(np.zeros((2, 4))))
    with pytest.raises(TypeError, match=r"x must have dtype float64 \(the module's dtype\), got float32"):
        cell.forward(np.zeros((3, 8), np.float32))
    _, cache = cell.forward(np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"dh1 must have shape \(3, 4\)"):
        cell.backward(state(np.zeros((3, 5))), cache)


@pytest.mark.parametrize("cls", LAYERS)
def test_bad_constructor_arguments(cls):
    with pytest.raises(ValueError, match=r"dropout is not supported; got 0.5"):
        cls(3, 4, 2, dropout=0.5)
    with pytest.raises(ValueError, match="input_size must be >= 1, got 0"):
        cls(0, 4)
    with pytest.raises(TypeError, match="hidden_size must be an int, got float"):
        cls(3, 4.0)
    with pytest.raises(ValueError, match="num_layers must be >= 1, got 0"):
        cls(3, 4, num_layers=0)
    with pytest.raises(TypeError, match="bidirectional must be a bool, got str"):
        cls(3, 4, bidirectional="yes")
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        cls(3, 4, dtype=np.int64)


def test_time_loops_with_small_steps_keep_numpy_blas_on_one_thread():
    from threadpoolctl import threadpool_info, threadpool_limits

    from lessonpkg.nn.sequence import SMALL_STEP, step_threads

    def blas_threads():
        return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}

    with threadpool_limits(2, user_api="blas"):
        assert blas_threads() == {2}
        with step_threads(SMALL_STEP - 1):
            assert blas_threads() == {1}
        assert blas_threads() == {2}  # restored on exit
        with step_threads(SMALL_STEP):
            assert blas_threads() == {2}  # big steps: unchanged


@pytest.mark.parametrize("cls, cell_cls, kwargs", [
    (lp.RNN, lp.RNNCell, {"nonlinearity": "tanh"}),
    (lp.RNN, lp.RNNCell, {"nonlinearity": "relu"}),
    (lp.GRU, lp.GRUCell, {}),
    (lp.LSTM, lp.LSTMCell, {}),
])
def test_layer_equals_loop_over_cell(cls, cell_cls, kwargs):
    rng = np.random.default_rng(9)
    T, N, D, H = 5, 3, 4, 6
    layer, cell = cls(D, H, rng=rng, **kwargs), cell_cls(D, H, **kwargs)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.params.items()})
    two = len(layer.state_names) == 2  # LSTM: (h, c)
    x, dout = rng.standard_normal((T, N, D)), rng.standard_normal((T, N, H))
    states, dstates = (tuple(rng.standard_normal((N, H)) for _ in layer.state_names) for _ in range(2))

    def as_layer(s):  # the cell's (N, H) states as the layer's (1, N, H)
        return tuple(a[None] for a in s) if two else s[0][None]

    def as_cell(s):
        return tuple(a[0] for a in s) if two else (s[0],)

    out, final, cache = layer.forward(x, as_layer(states))
    dx, dstates0, grads = layer.backward(dout, cache, as_layer(dstates))
    out_c, final_c, dx_c, dstates0_c, grads_c = loop_over_cell(cell, x, states, dout, dstates)
    pairs = [(out, out_c), (dx, dx_c), *zip(as_cell(final), final_c), *zip(as_cell(dstates0), dstates0_c)]
    pairs += [(grads[k + "_l0"], g) for k, g in grads_c.items()]
    assert len(grads_c) == len(grads)
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls, kwargs", [(lp.RNN, {}), (lp.GRU, {}), (lp.LSTM, {})])
@pytest.mark.parametrize("T, N, D, H", [(1, 1, 1, 1), (1, 3, 2, 4), (6, 1, 3, 2), (4, 3, 5, 2)])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True), (3, False)])
def test_layer_shapes_sweep(cls, kwargs, T, N, D, H, num_layers, bidirectional):
    """Every layer against torch over small shapes (N = 1, T = 1), layers and directions, with the full length
    and the shortest one in a batch."""
    rng = np.random.default_rng(T + N + D + H)
    layer = cls(D, H, num_layers, bidirectional=bidirectional, rng=rng, **kwargs)
    states = random_states(layer, (T, N, D), rng)
    compare_layer(layer, rng.standard_normal((T, N, D)), states)
    compare_layer(layer, rng.standard_normal((T, N, D)), states, [T] + [1] * (N - 1))


@pytest.mark.parametrize("cell_cls, kwargs", [
    (lp.RNNCell, {"nonlinearity": "tanh"}), (lp.RNNCell, {"nonlinearity": "relu"}), (lp.GRUCell, {}), (lp.LSTMCell, {}),
])
@pytest.mark.parametrize("N, D, H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch(cell_cls, kwargs, N, D, H, bias, with_state):
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    cell = cell_cls(D, H, bias, rng=rng, **kwargs)
    states = tuple(rng.standard_normal((N, H)) for _ in cell.state_names)
    state = (states if len(states) == 2 else states[0]) if with_state else None
    compare_cell(cell, rng.standard_normal((N, D)), state, rng=1)


@pytest.mark.parametrize("cell_cls", [lp.RNNCell, lp.GRUCell])
def test_one_state_cell_finite_differences(cell_cls):
    """The cells' backward without torch: central differences on x, h0 and every parameter."""
    rng = np.random.default_rng(8)
    cell = cell_cls(3, 2, rng=rng)
    x, h0, dh1 = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    h1, cache = cell.forward(x, h0)
    dx, dh0, grads = cell.backward(dh1, cache)

    def f(_):
        return cell.forward(x, h0)[0]

    for analytic, array in [(dx, x), (dh0, h0), *((grads[k], p) for k, p in cell.params.items())]:
        np.testing.assert_allclose(analytic, lp.numerical_gradient(f, array, dh1), rtol=1e-6, atol=1e-9)
