"""Tensor repr/str exactly as PyTorch formats them (``torch/_tensor_str.py``).

The layout rules are PyTorch's, followed to the character:

* one formatter per tensor (two for complex: real and imaginary parts) fixes a
  common width for every element, chosen from the nonzero finite values only;
* floats print in one of three modes: *int mode* when every such value is
  integral (``1.``), *fixed* with ``precision`` digits, or *scientific* when the
  largest/smallest magnitude ratio exceeds 1000, the largest exceeds 1e8 or the
  smallest is below 1e-4 (or when ``sci_mode`` forces it);
* above ``threshold`` elements each dimension shows only ``edgeitems`` items at
  either end, with ``...`` between (the formatter then sees only those items);
* a row wraps at ``linewidth`` counting from the current indentation, rows of
  a matrix start one column further in, and blocks of 3-d and higher tensors
  are separated by ``dim - 1`` newlines;
* suffixes (``device=``, ``size=``, ``dtype=``, ``grad_fn=`` or
  ``requires_grad=True``) follow the data, each on a new line once the current
  line would pass ``linewidth``.

Everything works on the tensor's NumPy array (a CuPy array is copied to the
host first); the values are turned into Python numbers before formatting, so
the digits are those of Python's ``format``, as in PyTorch.
"""

import contextlib
import math

import numpy as np

from . import _dtype as D

__all__ = ["set_printoptions", "get_printoptions"]


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """``torch.set_printoptions``: set the options used to print tensors.

    As in PyTorch, ``profile`` ('default', 'short', 'full') first resets
    precision, threshold, edgeitems and linewidth, the explicit arguments then
    override it, an unknown profile name is ignored, and ``sci_mode`` is
    always assigned (so every call without it goes back to automatic choice).
    """
    if profile is not None and profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """``torch.get_printoptions``: the current options as keyword arguments of ``set_printoptions``."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """``torch._tensor_str.printoptions``: change the print options inside a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ----------------------------------------------------------------- element formatting
class _Formatter:
    """The common width and notation of a tensor's elements (PyTorch's ``_Formatter``)."""

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width")

    def __init__(self, arr, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if arr.size == 0:
            return
        if not floating:
            if arr.dtype == np.bool_:
                self.max_width = 5 if not arr.all() else 4
            else:
                lo, hi = arr.min().item(), arr.max().item()
                self.max_width = max(1, len(str(lo)), len(str(hi)))
            return

        vals = arr.reshape(-1).astype(np.float64)
        with np.errstate(invalid="ignore"):
            nonzero_finite = vals[np.isfinite(vals) & (vals != 0)]
        if nonzero_finite.size == 0:
            return
        mags = np.abs(nonzero_finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # The printed width grows with the magnitude (and, in scientific notation,
        # with the exponent's digits, largest at either end), so the widest string
        # comes from the extreme values of each sign: no need to format them all.
        pos = nonzero_finite[nonzero_finite > 0]
        neg = nonzero_finite[nonzero_finite < 0]
        candidates = []
        for part in (pos, neg):
            if part.size:
                candidates += [float(part.min()), float(part.max())]
        p = PRINT_OPTS.precision
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in candidates)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") + 1 for v in candidates)
        else:
            width = max(len(f"{v:.{p}f}") for v in candidates)
        self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _element_str(value, fmt1, fmt2):
    if fmt2 is None:
        return fmt1.format(value)
    real_str = fmt1.format(value.real)
    imag_str = (fmt2.format(value.imag) + "j").lstrip()
    # a sign already in the imaginary part (negative numbers, -0.0) joins directly
    if imag_str[0] in "+-":
        return real_str + imag_str
    return real_str + "+" + imag_str


def _vector_str(arr, indent, summarize, fmt1, fmt2):
    # each element takes its width plus ", "; complex adds the imaginary width and "j"
    element_length = fmt1.width() + 2
    if fmt2 is not None:
        element_length += fmt2.width() + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems

    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = ([_element_str(v, fmt1, fmt2) for v in arr[:edge].tolist()] + [" ..."]
                + [_element_str(v, fmt1, fmt2) for v in arr[-edge:].tolist()])
    else:
        data = [_element_str(v, fmt1, fmt2) for v in arr.tolist()]

    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(arr, indent, summarize, fmt1, fmt2):
    ndim = arr.ndim
    if ndim == 0:
        return _element_str(arr.item(), fmt1, fmt2)
    if ndim == 1:
        return _vector_str(arr, indent, summarize, fmt1, fmt2)

    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        slices = ([_tensor_str_with_formatter(arr[i], indent + 1, summarize, fmt1, fmt2)
                   for i in range(edge)] + ["..."]
                  + [_tensor_str_with_formatter(arr[i], indent + 1, summarize, fmt1, fmt2)
                     for i in range(n - edge, n)])
    else:
        slices = [_tensor_str_with_formatter(arr[i], indent + 1, summarize, fmt1, fmt2)
                  for i in range(n)]
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(arr):
    """The elements a summarised print shows: ``edgeitems`` at each end of every dimension."""
    edge = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        # PyTorch's own quirk kept: with edgeitems=0, ``a[-0:]`` is the whole vector
        if arr.shape[0] > 2 * edge:
            return np.concatenate((arr[:edge], arr[-edge:]))
        return arr
    if not edge:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    n = arr.shape[0]
    rows = range(n) if n <= 2 * edge else [*range(edge), *range(n - edge, n)]
    return np.stack([_summarized_data(arr[i]) for i in rows])


def _tensor_str(arr, indent, dtype):
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    if dtype.is_complex:
        real, imag = arr.real, arr.imag
        fmt1 = _Formatter(_summarized_data(real) if summarize else real, True)
        fmt2 = _Formatter(_summarized_data(imag) if summarize else imag, True)
        return _tensor_str_with_formatter(arr, indent, summarize, fmt1, fmt2)
    fmt = _Formatter(_summarized_data(arr) if summarize else arr, dtype.is_floating_point)
    return _tensor_str_with_formatter(arr, indent, summarize, fmt, None)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    # PyTorch's arithmetic, off by a few characters as it is (it counts the
    # newline and one more), so that lines break where PyTorch breaks them
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# ----------------------------------------------------------------- the whole repr
def _host_array(t):
    arr = t._data
    if not isinstance(arr, np.ndarray):
        arr = arr.get()  # CuPy -> NumPy
    return arr


def _is_parameter_class(cls):
    """True for Ember's ``nn.Parameter`` class itself (the nn package is never imported here)."""
    return cls.__name__ == "Parameter" and cls.__module__.startswith("ember.")


def _default_device_type():
    from . import _device
    get = getattr(_device, "get_default_device", None)
    return get().type if get is not None else "cpu"


def _device_suffix(t):
    dev = t._device
    if dev.type != _default_device_type():
        return f"device='{dev}'"
    if dev.type == "cuda":
        from . import cuda
        if cuda.current_device() != dev.index:
            return f"device='{dev}'"
    return None


def tensor_repr(t, *, tensor_contents=None):
    """``repr(tensor)`` / ``str(tensor)`` as PyTorch prints them.

    ``tensor_contents`` replaces the data part (PyTorch's hook for subclasses).
    A subclass other than ``nn.Parameter`` prints its class name instead of
    ``tensor``, and a subclass of ``nn.Parameter`` is wrapped in ``Parameter(...)``.
    """
    from ._tensor import Tensor

    cls = type(t)
    is_plain = cls is Tensor or _is_parameter_class(cls)
    prefix = "tensor(" if is_plain else f"{cls.__name__}("
    indent = len(prefix)
    suffixes = []

    dev = _device_suffix(t)
    if dev is not None:
        suffixes.append(dev)

    dtype = t._dtype
    default = D.get_default_dtype()
    has_default_dtype = dtype in (default, D.default_complex_dtype(), D.int64, D.bool)
    shape = tuple(t._data.shape)

    if t._data.size == 0:
        # an empty tensor shows its shape unless it is (0,), and any dtype but the
        # default float one, since no values hint at it
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        tensor_str = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if not has_default_dtype:
            suffixes.append(f"dtype={dtype}")
        tensor_str = tensor_contents if tensor_contents is not None else \
            _tensor_str(_host_array(t), indent, dtype)

    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    out = _add_suffixes(prefix + tensor_str, suffixes, indent)
    if not is_plain and any(_is_parameter_class(c) for c in cls.__mro__):
        out = f"Parameter({out})"
    return out


def parameter_repr(t):
    """``repr(nn.Parameter)``: PyTorch's ``'Parameter containing:\\n'`` + the tensor's repr."""
    return "Parameter containing:\n" + tensor_repr(t)
