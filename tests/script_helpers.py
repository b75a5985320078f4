"""Helpers of the tests of scripts/: import a training script as a module, and round-trip its checkpoint."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

import lessonpkg as lp

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    """Import ``scripts/<name>.py`` (the folder is not a package) and return it as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_round_trip(path, models: dict, extras: dict, fresh: dict) -> None:
    """Save ``models`` and ``extras`` to ``path``, load them into ``fresh``: every parameter and extra comes back."""
    lp.save_checkpoint(path, models, **extras)
    loaded = lp.load_checkpoint(path, fresh)
    for name in models:
        for k, v in models[name].params.items():
            assert np.array_equal(fresh[name].params[k], v)
    assert set(loaded) == set(extras)
