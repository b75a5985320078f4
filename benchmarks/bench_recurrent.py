"""Time forward + backward of lessonpkg's LSTM, GRU and RNN against torch.nn's, on the CPU.

Both run in this process with the same number of threads (numpy's BLAS and
torch), on the same weights and data, one library after the other. The table gives median times and
the ratio lessonpkg / torch (below 1: lessonpkg is faster). lessonpkg runs in the
benchmark's dtype (its modules are built with ``dtype=np.float32`` for float32).

    python benchmarks/bench_recurrent.py            # full run
    python benchmarks/bench_recurrent.py --quick --cells LSTM --dtypes float32

Run it on an otherwise idle machine: the header prints the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

SHAPES = [(64, 32, 64, 128), (100, 64, 128, 256), (50, 1, 32, 64)]  # (T, N, D, H)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a rough table in seconds)")
    parser.add_argument("--cells", nargs="+", default=["LSTM", "GRU", "RNN"], choices=["LSTM", "GRU", "RNN"])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both (default: all cores)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repetitions per case (overrides --quick)")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="summary of the repetitions (min is steadier on a busy machine)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # read by numpy's BLAS when it loads, hence before the imports
    import numpy as np
    import torch

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import lessonpkg as lp

    torch.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} threads, "
          f"torch mkldnn {'on' if torch.backends.mkldnn.is_available() else 'off'}, "
          f"load average {os.getloadavg()[0]:.2f} (other processes skew the times)\n")
    print(f"| cell | dtype | (T, N, D, H) | lessonpkg ms ({args.stat}) | torch ms ({args.stat}) | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for cell in args.cells:
        for dtype in args.dtypes:
            for shape in SHAPES:
                repeats = args.repeats or (5 if args.quick else 21)
                if args.repeats is None and shape[1] == 64:
                    repeats = 3 if args.quick else 11  # the big shape takes ~0.1-0.3 s a run
                t_lp, t_torch = time_case(lp, torch, np, cell, dtype, shape, repeats, args.stat)
                print(f"| {cell} | {dtype} | {shape} | {t_lp:.2f} | {t_torch:.2f} | {t_lp / t_torch:.2f} |", flush=True)


def time_case(lp, torch, np, cell: str, dtype: str, shape, repeats: int, stat: str) -> tuple[float, float]:
    """Milliseconds (median or min) of forward + backward, for lessonpkg and for torch."""
    T, N, D, H = shape
    rng = np.random.default_rng(0)
    module = getattr(lp, cell)(D, H, rng=rng, dtype=getattr(np, dtype))
    torch_module = getattr(torch.nn, cell)(D, H, dtype=getattr(torch, dtype))
    torch_module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in module.params.items()})
    x = rng.standard_normal((T, N, D)).astype(dtype)
    dout = rng.standard_normal((T, N, H)).astype(dtype)
    xt, doutt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def run_lp():
        out, _, cache = module.forward(x)
        module.backward(dout, cache)

    def run_torch():
        torch_module.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = torch_module(xt)
        out.backward(doutt)

    return 1e3 * time_fn(np, run_lp, repeats, stat), 1e3 * time_fn(np, run_torch, repeats, stat)


def time_fn(np, fn, repeats: int, stat: str) -> float:
    """Median (or min) seconds of ``fn()`` after one warm-up call.

    The two libraries are timed one after the other, not interleaved: each
    keeps its worker threads spinning for a moment after a call, and
    interleaving would make them compete for the cores.
    """
    time.sleep(0.3)  # let the other library's worker threads go idle
    fn()  # warm up (allocations, oneDNN primitives)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) if stat == "median" else np.min(times))


if __name__ == "__main__":
    main()
