"""``lessonpkg.notebook``: helpers for the chapters: plots and ``show_source``."""

from lessonpkg.notebook import plots
from lessonpkg.notebook.show import show_source

__all__ = ["plots", "show_source"]
