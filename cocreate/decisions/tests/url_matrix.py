"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py)."""

from cocreate.core.url_matrix import Case  # noqa: F401  (the vocabulary the entries use)

MATRIX: dict[str, list[Case]] = {}


def world(objects: dict, users: dict) -> dict:
    """Objects the cases refer to by name, built on the shared fixture world."""
    return {}
