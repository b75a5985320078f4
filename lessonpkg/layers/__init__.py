"""Layers: one module per kind of layer, each a lessonpkg.Module with torch's parameter names."""
