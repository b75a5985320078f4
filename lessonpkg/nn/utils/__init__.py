"""``lessonpkg.nn.utils``: gradient clipping with torch's names, ``clip_grad_norm_`` and ``clip_grad_value_``."""

from lessonpkg.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
