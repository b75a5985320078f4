"""Test configuration shared by every test module."""

import os

from hypothesis import settings

# CI runs the same examples every time (derandomize), so that a red run is reproducible;
# on a developer's machine hypothesis explores new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
