"""Placeholder printing (replaced by the full PyTorch-format printer)."""


def tensor_repr(t):
    return f"tensor({t._data.tolist()})"


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    raise NotImplementedError


def get_printoptions():
    return {}
