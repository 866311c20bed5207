"""Placeholder printing (replaced by the full PyTorch-format printer)."""


def tensor_repr(t):
    return f"tensor({t._data.tolist()})"
