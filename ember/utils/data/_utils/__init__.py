from . import collate, fetch, worker  # noqa: F401
