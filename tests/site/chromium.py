"""The one way the site and JupyterLab tests start a browser: Debian's Chromium under Playwright.

No browser is ever downloaded: Playwright (the Python package) drives ``/usr/bin/chromium``, or
``$CHROMIUM``, with a fresh, empty profile of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Why each flag: the machine has no screen and no network but the package registries. Without the
# background-networking flags Chromium keeps trying to reach Google's hosts, and those refused
# connections are noise (or, with QUIC, slow time-outs) that a test of "no request leaves
# 127.0.0.1" must not depend on. --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium_context(timeout_ms: int, viewport=(1280, 800)):
    """A Playwright browser context on Debian's Chromium with an empty profile; closed and removed on exit."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not at {CHROMIUM}. `make browser-check` installs Debian's package as root; otherwise "
            "run `sudo apt-get install chromium`, or set CHROMIUM=/path/to/chromium (or Chrome)."
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as p:
            # A persistent context is the way to give Chromium a fresh, empty --user-data-dir of our own.
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": viewport[0], "height": viewport[1]},
                service_workers="block",
            )
            context.set_default_timeout(timeout_ms)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
