"""Train seven recurrent models on the adding problem for several lengths T, and save them (Chapter 5).

Run from the repository root:

    .venv/bin/python scripts/long_range_benchmark.py

Every (cell, T, seed) is trained by ``lessonpkg.apps.long_range.train_adding``: H = 32 units, 3000 Adam
updates on fresh batches of 64 sequences, the gradient's total norm clipped to 1, in float32 for speed.
The cells are the tanh RNN with three initialisations of ``weight_hh`` (torch's default, Xavier uniform,
orthogonal), the ReLU RNN with torch's default initialisation, the IRNN (ReLU, identity initialisation),
the LSTM and the GRU. All share one recipe (learning rate 1e-2), except the IRNN, which gets a smaller
learning rate (1e-3, ``RECIPES``), as Le, Jaitly and Hinton (2015) trained it with small learning rates
and clipping (they used plain SGD, tuned per model, and far more updates). The weights and the training
curves go to ``book/data/long_range.npz`` (float32), with the settings (``meta/lr``, and
``meta/IRNN/lr`` for the IRNN's own rate), which the chapter ``book/part2/vanishing_exploding.ipynb``
loads with ``lessonpkg.apps.long_range.load_runs`` and evaluates on freshly generated test sequences.
The results are deterministic for a given numpy version. The script trains 84 models; each of its two
worker processes needs roughly 5 minutes of CPU time (on a busy shared 2-core machine the whole run took
22 minutes).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the matrices are tiny: extra BLAS threads only cost time

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from lessonpkg.apps.long_range import CELLS, save_runs, train_adding  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LENGTHS = (10, 25, 50, 100)
SEEDS = (0, 1, 2)
SETTINGS = {"hidden_size": 32, "steps": 3000, "batch_size": 64, "lr": 1e-2, "max_norm": 1.0, "eval_every": 100}
RECIPES = {"IRNN": {"lr": 1e-3}}  # a cell's own departures from SETTINGS
COST = {"LSTM": 4, "GRU": 3}  # rough relative cost per step; every RNN cell costs 1


def train_one(cell: str, T: int, seed: int, settings: dict) -> tuple:
    """Train one model; return its key, the model, its history and the seconds it took."""
    t0 = time.perf_counter()
    model, history = train_adding(cell, T, seed=seed, dtype=np.float32, **settings | RECIPES.get(cell, {}))
    return (cell, T, seed), model, history, time.perf_counter() - t0


def run_benchmark(out: str | Path, cells=CELLS, lengths=LENGTHS, seeds=SEEDS, workers: int = 1, log=print,
                  **settings) -> dict:
    """Train every (cell, T, seed), save all of them to ``out`` and return ``{(cell, T, seed): (model, history)}``.

    ``settings`` override the entries of ``SETTINGS`` (e.g. ``steps=5`` for a quick test), and
    ``RECIPES`` override both for its cells; ``workers`` processes train in parallel (1: in this process).
    The file stores the settings as ``meta/<name>`` and each recipe as ``meta/<cell>/<name>``.
    """
    settings = SETTINGS | settings
    jobs = sorted(((c, T, s) for T in lengths for c in cells for s in seeds), key=lambda j: -COST.get(j[0], 1) * j[1])
    start, results = time.perf_counter(), []
    if workers == 1:
        results = [train_one(*job, settings) for job in jobs]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(train_one, *zip(*jobs), [settings] * len(jobs)))
    runs = {}
    for key, model, history, seconds in sorted(results, key=lambda r: (r[0][1], CELLS.index(r[0][0]), r[0][2])):
        runs[key] = (model, history)
        diverged = int(history.get("diverged_at", -1))
        note = f", overflowed at update {diverged}" if diverged >= 0 else ""
        log(f"{key[0]:8s} T={key[1]:3d} seed={key[2]}: final validation MSE {history['val_loss'][-1]:.4f}{note} "
            f"({seconds:.0f} s)")
    recipes = {f"{c}/{k}": v for c, recipe in RECIPES.items() if c in cells for k, v in recipe.items()}
    save_runs(out, runs, **settings, **recipes)
    log(f"saved {len(runs)} models to {out} in {time.perf_counter() - start:.0f} s")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "book" / "data" / "long_range.npz"))
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    run_benchmark(args.out, steps=args.steps, workers=args.workers)


if __name__ == "__main__":
    main()
