"""Time forward + backward of lessonpkg's LSTM, GRU and RNN against torch.nn's, on the CPU.

Both run in this process with the same number of threads (numpy's BLAS and
torch), on the same weights and data, one library after the other. The table gives median (or min)
times and the ratio lessonpkg / torch (below 1: lessonpkg is faster). lessonpkg runs in the
benchmark's dtype (its modules are built with ``dtype=np.float32`` for float32).

    python benchmarks/bench_recurrent.py            # full run
    python benchmarks/bench_recurrent.py --quick --cells LSTM --dtypes float32
    python benchmarks/bench_recurrent.py --stat min --native-blas --json benchmarks/results/recurrent.json

Run it on an otherwise idle machine: the header prints the load average. The header also names the
kernels numpy's OpenBLAS uses; an environment variable OPENBLAS_CORETYPE can pin them to an older
CPU's (e.g. Haswell, AVX2 only) while torch's oneDNN still uses AVX-512: ``--native-blas`` drops it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

SHAPES = [(64, 32, 64, 128), (100, 64, 128, 256), (50, 1, 32, 64)]  # (T, N, D, H)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 repetitions instead of 15 (a rough table)")
    parser.add_argument("--cells", nargs="+", default=["LSTM", "GRU", "RNN"], choices=["LSTM", "GRU", "RNN"])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both (default: all cores)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repetitions per case (overrides --quick)")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="summary of the repetitions (min is steadier on a busy machine)")
    parser.add_argument("--native-blas", action="store_true",
                        help="ignore OPENBLAS_CORETYPE, so that OpenBLAS picks the kernels for this CPU as torch does")
    parser.add_argument("--json", metavar="PATH", help="also write the machine and the table to this JSON file")
    return parser.parse_args(argv)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what the platform module says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def blas_info(threadpoolctl) -> dict:
    """numpy's BLAS as threadpoolctl sees it: name, version, kernels and threads."""
    for info in threadpoolctl.threadpool_info():
        if info["user_api"] == "blas" and "numpy" in info["filepath"]:
            return info
    return next(i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")


def main(argv=None) -> None:
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # read by numpy's BLAS when it loads, hence before the imports
    if args.native_blas:
        os.environ.pop("OPENBLAS_CORETYPE", None)  # also read when numpy's BLAS loads
    import numpy as np
    import threadpoolctl
    import torch

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import lessonpkg as lp

    torch.set_num_threads(args.threads)
    blas = blas_info(threadpoolctl)
    if blas["num_threads"] != args.threads or torch.get_num_threads() != args.threads:
        raise RuntimeError(f"thread counts differ: numpy's BLAS {blas['num_threads']}, torch {torch.get_num_threads()}")
    blas_name = f"{blas['prefix']} {blas['version']} ({blas.get('architecture', '?')} kernels)"
    load = os.getloadavg()[0]
    repeats = args.repeats or (5 if args.quick else 15)
    print(f"{cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__} with {blas_name}, torch {torch.__version__} "
          f"(mkldnn {'on' if torch.backends.mkldnn.is_available() else 'off'}); {args.threads} threads for both; "
          f"load average {load:.2f} (other processes skew the times)\n", flush=True)
    print(f"| cell | dtype | (T, N, D, H) | lessonpkg ms ({args.stat}) | torch ms ({args.stat}) | ratio |")
    print("|---|---|---|---:|---:|---:|", flush=True)
    rows = []
    for cell in args.cells:
        for dtype in args.dtypes:
            for shape in SHAPES:
                t_lp, t_torch = time_case(lp, torch, np, cell, dtype, shape, repeats, args.stat)
                rows.append({"cell": cell, "dtype": dtype, "shape": list(shape), "lessonpkg_ms": round(t_lp, 3),
                             "torch_ms": round(t_torch, 3), "ratio": round(t_lp / t_torch, 3)})
                print(f"| {cell} | {dtype} | {shape} | {t_lp:.2f} | {t_torch:.2f} | {t_lp / t_torch:.2f} |", flush=True)
    if args.json:
        machine = {"cpu": cpu_model(), "cores": os.cpu_count(), "threads": args.threads, "numpy": np.__version__,
                   "torch": torch.__version__, "blas": blas_name, "load_average": round(load, 2),
                   "date": datetime.date.today().isoformat()}
        command = "python benchmarks/bench_recurrent.py " + " ".join(argv if argv is not None else sys.argv[1:])
        report = {"machine": machine, "stat": args.stat, "repeats": repeats, "command": command.strip(), "rows": rows}
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
        print(f"\nwrote {args.json}")


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
