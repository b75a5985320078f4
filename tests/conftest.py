"""Test configuration shared by every test module.

Besides the hypothesis profiles, this file writes the record behind the book's "Proof of equality"
page: at the end of a complete, green run of the unit tests, the torch cross-checks' records
(tests/equality_log.py) are aggregated per component into book/reference/_generated/equality.json.
A partial run (one file, ``-k``, a failure) writes nothing, so the page never shows a partial table.
"""

import json
import os
import platform
import time
from pathlib import Path

import equality_log
import pytest
from hypothesis import settings


@pytest.fixture(scope="module")
def one_torch_thread():
    """For modules of tiny arrays: torch's thread pool would only add wake-up overhead to each call.

    A module opts in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# CI runs the same examples every time (derandomize), so that a red run is reproducible;
# on a developer's machine hypothesis explores new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(PROFILE)

TESTS = Path(__file__).resolve().parent
_deselected = []
COVERAGE_TEST = "test_equality_coverage.py"


def pytest_deselected(items):
    _deselected.extend(items)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Run the coverage check of the equality log last, after every cross-check has recorded."""
    items.sort(key=lambda item: item.path.name == COVERAGE_TEST)


def pytest_collection_finish(session):
    """Is this the whole unit suite? Every tests/test_*.py collected, nothing deselected."""
    ran = {Path(item.path).resolve() for item in session.items}
    every_file = set(TESTS.glob("test_*.py")) <= ran
    equality_log.SESSION["complete"] = every_file and not _deselected


def pytest_sessionfinish(session, exitstatus):
    if not (equality_log.SESSION.get("complete") and exitstatus == 0 and equality_log.RECORDS):
        return
    import numpy
    import torch

    report = {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sources_digest": equality_log.sources_digest(),
        "command": "pytest " + " ".join(session.config.invocation_params.args),
        "hypothesis_profile": PROFILE,
        "tests_collected": session.testscollected,
        "versions": {"python": platform.python_version(), "numpy": numpy.__version__, "torch": torch.__version__},
        "records": len(equality_log.RECORDS),
        "components": equality_log.aggregate(equality_log.RECORDS),
    }
    equality_log.OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = equality_log.OUTPUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(equality_log.OUTPUT)
