"""No typed numbers: every number a chapter's prose states is printed by the chapter itself.

A retrain that moves a result then changes the printed number, and strict nbval fails on the stored
output, instead of leaving prose that quotes a number the code no longer computes.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_notebooks  # noqa: E402
from typed_numbers import appears, typed_numbers, unprinted_numbers  # noqa: E402
from typed_numbers_allow import ALLOWED  # noqa: E402

NOTEBOOKS = [str(p) for p in toc_notebooks(ROOT)]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_number_in_the_prose_is_printed_or_allowed(notebook):
    missing = unprinted_numbers(ROOT / notebook, ALLOWED.get(notebook, {}))
    assert not missing, (
        f"{notebook}: the prose states {missing}, which no stored output prints. Print the number in a "
        "code cell, drop it from the prose, or, for a constant or a value cited from a paper, add it with "
        "a reason to tests/typed_numbers_allow.py"
    )


def test_the_allow_list_names_only_chapters_and_numbers_that_exist():
    for notebook, numbers in ALLOWED.items():
        assert notebook in NOTEBOOKS, f"typed_numbers_allow.py names {notebook!r}, which _toc.yml does not list"


        cells = json.loads((ROOT / notebook).read_text())["cells"]
        prose_cells = [c for c in cells if c["cell_type"] == "markdown"
                       and "lab-references" not in c["metadata"].get("tags", [])]
        stated = {n for c in prose_cells for n in typed_numbers("".join(c["source"]))}
        stale = sorted(set(numbers) - stated)
        assert not stale, f"{notebook}: the allow-list keeps {stale}, which the prose no longer states"
        for number, reason in numbers.items():
            assert reason.strip(), f"{notebook}: {number} needs a reason"


@pytest.mark.parametrize(
    ("markdown", "numbers"),
    [
        ("accuracy rises to 0.93 after 1e-5 steps, and 63% of reviews", ["0.93", "1e-5", "63%"]),
        ("`x = 0.5` and {cite}`le2015simple` and [a](file_1.2.html)", []),
        ("h_1.5 and v2.0 are names; .5 is a number", [".5"]),
        ("Chapter 5 uses 3 seeds", []),
        ("a norm of $2.6 \\times 10^3$ and $4.5 \\times 10^{-7}$", ["2.6e3", "4.5e-7"]),
    ],
)
def test_the_extractor_finds_values_and_skips_code_and_identifiers(markdown, numbers):
    assert typed_numbers(markdown) == numbers


@pytest.mark.parametrize(
    ("number", "text", "found"),
    [
        ("0.93", "accuracy 0.93\n", True),
        ("0.93", "accuracy 0.9312\n", True),
        ("0.93", "accuracy 0.935\n", False),
        ("0.93", "accuracy 10.93\n", False),
        ("0.93", "accuracy 0.9\n", False),
        ("0.96", "mean 0.960", True),
        ("63%", "novel share 0.63", True),
        ("63%", "novel share 63.0%", True),
        ("63%", "novel share 63", False),
        ("1e-5", "lr 1e-05", True),
        ("1e-5", "lr 1e-06", False),
        ("2.6e3", "peak 2.6e+03", True),
        ("4e6", "slope 3.6e+06", True),
        ("2.6e3", "peak 2.7e+03", False),
        (".5", "p = 0.5", True),
    ],
)
def test_a_number_matches_its_printed_spellings_only(number, text, found):
    assert appears(number, text) is found
