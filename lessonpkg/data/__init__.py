"""Datasets for the chapters: real data shipped inside pip packages, or generated deterministically.

Every loader returns seeded train/validation/test splits and documents where its data comes from
and under what licence. Nothing is downloaded.
"""

from .tabular import TabularSplits, load_iris_2d, stratified_split  # noqa: F401
