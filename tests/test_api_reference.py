"""The API reference (book/reference/api/) documents every public lessonpkg name.

The pages call the ``lessonpkg-modules`` directive of book/reference/_ext/lessonpkg_reference.py, which
runs ``automodule`` on every public module it finds. This test reads which packages the pages list and
fails if a public name's module is not among the documented ones, or if the name is private there.
"""

import importlib.util
import inspect
import re
import types
from pathlib import Path

import equality_log

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "book" / "reference" / "api"


def load_extension():
    spec = importlib.util.spec_from_file_location(
        "lessonpkg_reference", ROOT / "book" / "reference" / "_ext" / "lessonpkg_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_modules() -> set[str]:
    """Every module that an ``automodule`` on the API pages documents, directly or through lessonpkg-modules."""
    ext = load_extension()
    found = set()
    for page in PAGES.glob("*.md"):
        text = page.read_text()
        found.update(re.findall(r"^\.\. automodule:: (\S+)", text, flags=re.M))
        for package, options in re.findall(r"^\.\. lessonpkg-modules:: (\S+)\n((?:   :.*\n)*)", text, flags=re.M):
            exclude = re.search(r":exclude: (.*)", options)
            found.update(ext.public_modules(package, tuple(exclude[1].split()) if exclude else ()))
    return found


def test_every_public_name_has_an_api_entry():
    import lessonpkg

    documented = documented_modules()
    assert "lessonpkg.nn.lstm" in documented and "lessonpkg.data.digits" in documented
    missing = []
    names = dict(equality_log.public_components())
    names.update({n: o for n, o in vars(lessonpkg).items() if isinstance(o, types.ModuleType)
                  and not n.startswith("_")})
    for name, obj in names.items():
        if isinstance(obj, types.ModuleType):
            ok = obj.__name__ in documented
        else:
            ok = obj.__module__ in documented and not any(p.startswith("_") for p in obj.__qualname__.split("."))
            ok = ok and (inspect.getdoc(obj) or "").strip() != ""
        if not ok:
            missing.append(name)
    assert not missing, f"public names without an API entry (or without a docstring): {missing}"


def test_the_index_lists_every_top_level_name():
    ext = load_extension()
    import lessonpkg

    public = {n for n in dir(lessonpkg) if not n.startswith("_") and not isinstance(getattr(lessonpkg, n), str)}
    assert set(ext.top_level_names()) == public
