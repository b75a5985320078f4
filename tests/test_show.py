"""lessonpkg.show_source: the helper chapters use to display tested code."""

import inspect

import pytest

import lessonpkg as lp
from lessonpkg import functional


def test_plain_text_is_the_source_so_nbval_detects_drift():
    view = lp.show_source(functional.sigmoid)
    assert repr(view) == "# lessonpkg/nn/functional.py\n" + inspect.getsource(functional.sigmoid)


def test_markdown_is_a_fenced_python_block():
    md = lp.show_source(functional.tanh)._repr_markdown_()
    assert md.startswith("```python\n# lessonpkg/nn/functional.py\ndef tanh(")
    assert md.rstrip().endswith("```")


def test_methods_are_dedented():
    view = lp.show_source(lp.Module.state_dict)
    assert view.source.startswith("def state_dict(self)")


def test_a_fence_longer_than_any_backtick_run_in_the_source():
    view = lp.show_source.__globals__["SourceView"]("x = '```'\n", "lessonpkg/x.py")
    assert view._repr_markdown_().startswith("````python\n")


def test_objects_without_source_get_a_clear_error():
    with pytest.raises(TypeError, match="obj must be a function, class, method or module"):
        lp.show_source(len)
