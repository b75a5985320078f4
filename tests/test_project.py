"""The project's own invariants: one source of truth for dependencies, and a consistent table of contents."""

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from toc_notebooks import toc_files, toc_notebooks  # noqa: E402


def pyproject_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def environment_pip_requirements() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, "environment.yml must have exactly one pip: section"
    return pip_lists[0]


def test_environment_yml_repeats_pyproject_exactly():
    pip_reqs = environment_pip_requirements()
    assert "-e ." in pip_reqs, "environment.yml must install lessonpkg itself with `-e .`"
    assert sorted(r for r in pip_reqs if r != "-e .") == sorted(pyproject_requirements())


def test_environment_yml_pins_the_same_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert "python=3.11" in env["dependencies"] and "3.11" in requires


def test_torch_and_jupyter_book_are_pinned_as_the_stack_requires():
    reqs = pyproject_requirements()
    assert "torch==2.13.0" in reqs
    jb = [r for r in reqs if r.startswith("jupyter-book")]
    assert jb and jb[0].split("==")[1].startswith("1."), "the book needs Jupyter Book 1.x"


def test_every_toc_entry_exists_and_every_page_is_listed():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = toc_files(toc)
    for entry in entries:
        hits = [p for p in (ROOT / f"{entry}.md", ROOT / f"{entry}.ipynb") if p.exists()]
        assert len(hits) == 1, f"_toc.yml entry {entry!r} must match exactly one .md or .ipynb file"
    sources = [p for p in (ROOT / "book").rglob("*") if p.suffix in {".md", ".ipynb"}]
    pages = {str(p.relative_to(ROOT).with_suffix("")) for p in sources if ".ipynb_checkpoints" not in p.parts}
    assert pages == set(entries), f"pages not in _toc.yml: {sorted(pages - set(entries))}"


def test_notebooks_use_the_python3_kernel_and_store_clean_outputs():
    notebooks = toc_notebooks(ROOT)
    assert notebooks, "_toc.yml lists no notebook"
    for path in notebooks:
        nb = json.loads((ROOT / path).read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3", f"{path}: kernel must be python3"
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        counts = [c["execution_count"] for c in code]
        assert None not in counts, f"{path}: has unexecuted cells; run it top to bottom before committing"
        assert counts == sorted(counts), f"{path}: cells were executed out of order"
        assert "import lessonpkg as lp" in "".join("".join(c["source"]) for c in code), f"{path}: must import lessonpkg"
        for c in code:
            tags = c.get("metadata", {}).get("tags", [])
            errors = [o for o in c.get("outputs", []) if o["output_type"] == "error"]
            assert not errors or "raises-exception" in tags, f"{path}: a stored output is an error"


def test_make_lab_passes_allow_root_exactly_when_run_as_root(tmp_path):
    # `make lab` with a stand-in jupyter that prints its arguments: JupyterLab refuses to start as root
    # (as containers run) unless it is given --allow-root, and a normal user should not get that flag.
    import os
    import subprocess

    fake = tmp_path / "jupyter"
    fake.write_text("#!/bin/sh\necho \"$@\"\n")
    fake.chmod(0o755)
    result = subprocess.run(["make", "-s", "-o", ".venv/.installed-stamp", "lab", f"BIN={tmp_path}"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    args = result.stdout.split()
    assert args[:2] == ["lab", "book/"]
    assert ("--allow-root" in args) == (os.geteuid() == 0)



# Addresses that name no real repository: the template's own name and the usual stand-ins.
PLACEHOLDER = re.compile(
    r"rnn-from-scratch/rnn-from-scratch|example\.(com|org)|your[-_]?(org|account|user|name|repo)|<[^>]*>|"
    r"\b(USER|ORG|OWNER|REPO)\b|/username/|/user/repo",
    re.IGNORECASE,
)
PUBLIC_REPOSITORY = re.compile(r"https://(github\.com|gitlab\.com|codeberg\.org)/[\w.-]+/[\w.-]+/?")


def launch_button_problem(config: dict) -> str | None:
    """Why the buttons that ``config`` (a parsed _config.yml) turns on would lead nowhere, or None."""
    launch = config.get("launch_buttons") or {}
    html = config.get("html") or {}
    buttons = [k for k in ("binderhub_url", "colab_url", "jupyterhub_url", "jupyterlite_url") if launch.get(k)]
    buttons += [k for k in ("use_repository_button", "use_issues_button", "use_edit_page_button") if html.get(k)]
    url = str((config.get("repository") or {}).get("url") or "").strip()
    if not buttons:
        return None  # no button links at all: nothing can lead to a missing page
    if not url:
        return f"_config.yml turns on {buttons} but names no repository.url"
    if not PUBLIC_REPOSITORY.fullmatch(url):
        return f"repository.url must be the address of a public repository, got {url!r}"
    if PLACEHOLDER.search(url):
        return f"repository.url {url!r} is a placeholder, not a real repository"
    return None


def test_launch_buttons_appear_only_with_a_real_repository_address():
    problem = launch_button_problem(yaml.safe_load((ROOT / "_config.yml").read_text()))
    assert problem is None, problem


@pytest.mark.parametrize(
    ("config", "ok"),
    [
        ({"launch_buttons": {"thebe": False}, "html": {"use_repository_button": False}}, True),
        ({"launch_buttons": {"binderhub_url": "https://mybinder.org"}}, False),
        ({"launch_buttons": {"colab_url": "x"}, "repository": {"url": "https://github.com/rnn-from-scratch/rnn-from-scratch"}},
         False),
        ({"html": {"use_repository_button": True}, "repository": {"url": "https://github.com/your-org/course"}}, False),
        ({"html": {"use_repository_button": True}, "repository": {"url": "https://github.com/<you>/course"}}, False),
        ({"html": {"use_repository_button": True}, "repository": {"url": "https://example.com/a/b"}}, False),
        ({"launch_buttons": {"colab_url": "x"}, "repository": {"url": "https://github.com/jdoe/rnn-course"}}, True),
    ],
)
def test_the_launch_button_check_refuses_placeholders(config, ok):
    assert (launch_button_problem(config) is None) is ok
