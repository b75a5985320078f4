"""JupyterLab runs the chapters: a headless server in the project environment executes one notebook.

The test starts ``jupyter lab`` from the environment that runs pytest (``.venv`` under `make test`)
on 127.0.0.1, on a free port, with a token and its own empty config, data and runtime folders. It
checks that the kernelspec every chapter names is there, starts that kernel through the REST API,
sends the code cells of ``book/setup.ipynb`` over the kernel's websocket, one execute_request per
cell, and asserts that none fails, that the kernel is the environment's own Python, and that it
imported ``lessonpkg``. The kernel and the server are shut down in any case.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_notebooks  # noqa: E402

CHAPTER = ROOT / "book" / "setup.ipynb"  # the page the README asks learners to run first: short
STARTUP_S = 60
CELL_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `jupyter lab` process and the REST calls the test makes to it."""

    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.ws_base = f"ws://127.0.0.1:{port}"
        self.token = token
        self.root: Path | None = None

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 10) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                kind = r.headers.get("Content-Type", "")
                return r.status, (json.loads(raw) if raw and "json" in kind else raw.decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server():
    home = Path(tempfile.mkdtemp(prefix="jupyter-test-"))
    env = dict(os.environ)
    # Only the environment's own kernelspecs and settings: nothing from the learner's ~/.jupyter.
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        MPLBACKEND="Agg",
    )
    # JupyterLab saves the notebooks it runs: serve a copy of book/, never the repository's own files.
    served = home / "book"
    shutil.copytree(ROOT / "book", served, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={served}",
        # No news or update feed is configured here: the course's settings (jupyter/rnn-from-scratch.json,
        # installed by `make env`) must keep JupyterLab from asking, as they do for a learner's `make lab`.
        "--LabApp.extension_manager=readonly",  # the PyPI manager would query PyPI
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI runs as root, which Jupyter refuses without this flag
        cmd.append("--allow-root")
    log = open(home / "server.log", "w+")  # closed in the finally below
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    srv = Server(port, token)
    srv.root = served
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                status, body = srv.request("GET", "/api/status", timeout=2)
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer /api/status within {STARTUP_S} s")
            time.sleep(0.25)
        yield srv
        # A clean shutdown through the API, as the "Shut Down" menu does.
        status, _ = srv.request("POST", "/api/shutdown")
        assert status == 200, f"/api/shutdown answered {status}"
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def kernel_names_of_notebooks() -> set[str]:
    return {json.loads((ROOT / p).read_text())["metadata"]["kernelspec"]["name"] for p in toc_notebooks(ROOT)}


def test_the_token_is_required(server):
    req = urllib.request.Request(server.base + "/api/kernelspecs")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code in (401, 403)


def test_jupyterlab_serves_the_lab_page_with_the_myst_extension(server):
    status, page = server.request("GET", "/lab")
    assert status == 200 and "jupyter-config-data" in page
    match = re.search(r'<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.DOTALL)
    assert match, "the lab page carries no jupyter-config-data"
    config = json.loads(match.group(1))
    names = {ext["name"] for ext in config.get("federated_extensions", [])}
    assert "jupyterlab-myst" in names, f"jupyterlab-myst is not loaded by JupyterLab: {sorted(names)}"


def test_the_kernelspec_the_notebooks_name_exists(server):
    status, specs = server.request("GET", "/api/kernelspecs")
    assert status == 200
    wanted = kernel_names_of_notebooks()
    assert wanted == {"python3"}, f"the chapters name kernels {wanted}"
    assert wanted <= set(specs["kernelspecs"]), f"kernelspecs {sorted(specs['kernelspecs'])} lack {wanted}"


def execute(ws, session: str, code: str) -> tuple[dict, list[dict]]:
    """Send one execute_request; return its execute_reply and the iopub messages it caused."""
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id, "msg_type": "execute_request", "session": session,
                    "username": "test", "version": "5.3", "date": "",
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
                },
                "channel": "shell",
                "buffers": [],
            }
        )
    )  # fmt: skip
    reply, iopub, idle = None, [], False
    deadline = time.monotonic() + CELL_TIMEOUT_S
    while reply is None or not idle:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if msg["channel"] == "shell" and kind == "execute_reply":
            reply = msg["content"]
        elif msg["channel"] == "iopub":
            if kind == "status":
                idle = msg["content"]["execution_state"] == "idle"
            else:
                iopub.append(msg)
    return reply, iopub


def stdout_of(iopub: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in iopub if m["header"]["msg_type"] == "stream")


def test_a_chapter_runs_in_the_lab_kernel_and_imports_lessonpkg(server):
    import websocket  # websocket-client, a dependency of jupyter_server

    nb = json.loads(CHAPTER.read_text())
    kernel = nb["metadata"]["kernelspec"]["name"]
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert any("import lessonpkg" in c for c in cells), f"{CHAPTER.name} does not import lessonpkg"

    status, info = server.request("POST", "/api/kernels", {"name": kernel})
    assert status == 201, f"starting kernel {kernel!r}: {status} {info}"
    kernel_id = info["id"]
    ws = websocket.create_connection(
        f"{server.ws_base}/api/kernels/{kernel_id}/channels?token={server.token}", timeout=CELL_TIMEOUT_S
    )
    try:
        session = uuid.uuid4().hex
        for i, code in enumerate(cells):
            reply, iopub = execute(ws, session, code)
            errors = [m["content"] for m in iopub if m["header"]["msg_type"] == "error"]
            assert not errors and reply["status"] == "ok", (
                f"{CHAPTER.name}, code cell {i + 1} failed: {reply.get('ename')}: {reply.get('evalue')}\n{code[:300]}"
            )
        # What the kernel that ran the chapter is: the project's Python, with the repo's lessonpkg.
        reply, iopub = execute(
            ws,
            session,
            "import sys, lessonpkg\nprint(sys.prefix)\nprint('lessonpkg' in sys.modules)\nprint(lessonpkg.__file__)",
        )
        assert reply["status"] == "ok"
        prefix, imported, where = stdout_of(iopub).split()
        assert Path(prefix).resolve() == Path(sys.prefix).resolve(), f"the kernel runs in {prefix}, not {sys.prefix}"
        assert imported == "True"
        assert Path(where).resolve().is_relative_to(ROOT / "lessonpkg"), f"lessonpkg imported from {where}"
    finally:
        ws.close()
        status, _ = server.request("DELETE", f"/api/kernels/{kernel_id}")
        assert status == 204, f"shutting the kernel down answered {status}"


# --- JupyterLab's own interface, as a learner clicks it -------------------------------------------------

UI_CHAPTER = "part1/propagation.ipynb"  # Chapter 1: short, and its "Your turn" section has linear_backward
UI_TIMEOUT_MS = 60_000
RUN_ALL_S = 300  # two shared cores under CI load; the chapter itself takes well under a minute
LINEAR_BACKWARD = '''def linear_backward(dout, x, weight):
    dx = dout @ weight
    return dx, {"weight": dout.T @ x, "bias": dout.sum(axis=0)}


lp.exercises.check("linear_backward", linear_backward)'''


def wait_until_every_code_cell_ran(page, n_code: int) -> None:
    """Poll the prompts until every code cell shows an execution count, e.g. "[12]:"."""
    deadline = time.monotonic() + RUN_ALL_S
    while True:
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        done = sum(bool(re.fullmatch(r"\[\d+\]:", p.strip())) for p in prompts)
        if done == n_code:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"after {RUN_ALL_S} s only {done} of {n_code} code cells of {UI_CHAPTER} had run")
        time.sleep(1)


def error_outputs(page) -> list[str]:
    """The texts of the outputs that show an exception."""
    outputs = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
    return [o for o in outputs if re.search(r"Traceback|\w+Error\b|\w+Exception\b", o)]


def test_a_learner_runs_a_chapter_and_solves_an_exercise_in_jupyterlab(server):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from chromium import chromium_context

    # JupyterLab 4 renders only the cells in view ("windowing"). The test reads every cell, so it turns
    # that off, in this server's own user settings; a learner's JupyterLab keeps its default.
    status, body = server.request("PUT", "/lab/api/settings/@jupyterlab/notebook-extension:tracker",
                                  {"raw": json.dumps({"windowingMode": "none"})})
    assert status == 204, f"setting windowingMode answered {status}: {body}"
    with chromium_context(UI_TIMEOUT_MS, viewport=(1280, 900)) as context:
        page = context.new_page()
        page.goto(f"{server.base}/lab/tree/{UI_CHAPTER}?token={server.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
        cells = json.loads((server.root / UI_CHAPTER).read_text())["cells"]
        n_code = sum(c["cell_type"] == "code" for c in cells)
        # JupyterLab adds the cells to the page a few at a time: wait until all of them are there.
        page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-CodeCell').length == {n_code}")

        # Run > Run All Cells, as in the menu bar.
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        wait_until_every_code_cell_ran(page, n_code)
        errors = error_outputs(page)
        shown = "\n---\n".join(e[:500] for e in errors)
        assert not errors, f"{UI_CHAPTER} shows error outputs in JupyterLab:\n{shown}"

        # No pop-up asks about Jupyter news (the course's settings answer it), and none asks anything else.
        assert page.get_by_text(re.compile("Jupyter news", re.IGNORECASE)).count() == 0, "the news pop-up is shown"

        # Citations: JupyterLab shows a {cite} as its key, and the chapter's last cell lists each key in full
        # (scripts/lab_references.py); the built book hides that cell and renders the citations instead.
        refs = page.locator(".jp-MarkdownCell", has_text="The references of this chapter (for JupyterLab)")
        assert refs.count() == 1, "the chapter's reference list for JupyterLab is not shown"
        assert "Rumelhart" in refs.inner_text() and "rumelhart1986learning" in refs.inner_text()

        # The unchanged "Your turn" stub says what to do.
        cell = page.locator(".jp-CodeCell", has_text="def linear_backward(")
        assert cell.count() == 1, "the chapter has no single 'Your turn' cell for linear_backward"
        assert "not implemented yet" in cell.locator(".jp-OutputArea").inner_text()

        # Type a correct solution into the stub through the editor, run it with Shift+Enter.
        cell.locator(".cm-content").click()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.insert_text(LINEAR_BACKWARD)
        page.keyboard.press("Shift+Enter")
        output = cell.locator(".jp-OutputArea")
        deadline = time.monotonic() + 60
        while "passed" not in output.inner_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        text = output.inner_text()
        assert "linear_backward: passed" in text, f"the checker did not report 'passed' after typing a solution: {text}"
        assert not error_outputs(page)
