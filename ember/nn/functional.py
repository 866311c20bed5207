"""``torch.nn.functional``: the function form of layers, activations and losses.

Heavy kernels live in ``ember/ops`` (conv, pooling, softmax, nll, norms); this
module checks arguments the way PyTorch does and composes the rest from tensor
ops.
"""

import math
import warnings

from .. import _dtype as D
from .._tensor import Tensor, wrap_dim
from ..autograd.grad_mode import no_grad
from ..ops import activation as A
from ..ops import conv as C
from ..ops import loss as L
from ..ops import normalization as N
from ..ops import pooling as P
from ..ops.linalg import addmm as _addmm
from ..ops.pointwise import relu as _relu
from ..ops.pointwise import sigmoid, tanh  # noqa: F401

__all__ = ["linear", "bilinear", "relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu",
           "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardsigmoid", "hardswish",
           "logsigmoid", "sigmoid", "tanh", "threshold", "glu", "softmax", "log_softmax", "softmin",
           "dropout", "dropout1d", "dropout2d", "alpha_dropout", "conv1d", "conv2d", "conv3d",
           "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "layer_norm", "batch_norm",
           "group_norm", "instance_norm", "rms_norm", "local_response_norm",
           "embedding", "one_hot", "nll_loss", "cross_entropy", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "normalize", "cosine_similarity",
           "pairwise_distance", "pad", "scaled_dot_product_attention", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "max_unpool2d", "interpolate", "upsample", "pixel_shuffle",
           "pixel_unshuffle", "unfold", "fold", "cosine_embedding_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "gumbel_softmax"]


def _tuple(v, n):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(v) * n
        return tuple(int(x) for x in v)
    return (int(v),) * n


# ---------------------------------------------------------------------- linear
def linear(input, weight, bias=None):
    """``y = input @ weight.T + bias``, as PyTorch's ``at::linear`` builds it: one ``addmm``
    (bias added into the product) for 2-D inputs, and for contiguous inputs of other ranks with
    a 1-D bias flattened to 2-D (``ViewBackward0`` over ``AddmmBackward0``); otherwise
    ``matmul`` then an in-place bias add."""
    if bias is not None:
        nd = input._data.ndim
        if nd == 2:
            return _addmm(bias, input, weight.t())
        if nd and input._data.flags.c_contiguous and bias._data.ndim == 1:
            shape = input._data.shape
            out = _addmm(bias, input.reshape(math.prod(shape[:-1]), shape[-1]), weight.t())
            return out.view(shape[:-1] + (out._data.shape[1],))
    out = input.matmul(weight.t())
    if bias is not None:
        out.add_(bias)
    return out


def bilinear(input1, input2, weight, bias=None):
    from ..ops.linalg import einsum
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    if bias is not None:
        out = out + bias
    return out


# ---------------------------------------------------------------------- activations
def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def relu_(input):
    return input.relu_()


def _act(cls, input, inplace=False, **kw):
    out = cls.apply(input, **kw) if kw else cls.apply(input)
    if inplace:
        with no_grad():
            input.copy_(out)
        return input
    return out


def relu6(input, inplace=False):
    return _act(A.ReLU6, input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act(A.LeakyReLU, input, inplace, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _act(A.ELU, input, inplace, alpha=alpha)


def selu(input, inplace=False):
    return _act(A.ELU, input, inplace, alpha=A.SELU_ALPHA, scale=A.SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    return _act(A.CELU, input, inplace, alpha=alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return A.GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    return _act(A.SiLU, input, inplace)


def mish(input, inplace=False):
    return _act(A.Mish, input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return A.Softplus.apply(input, beta=beta, threshold=threshold)


def softsign(input):
    return A.Softsign.apply(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _act(A.Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def hardsigmoid(input, inplace=False):
    return _act(A.Hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    return _act(A.Hardswish, input, inplace)


def logsigmoid(input):
    return A.LogSigmoid.apply(input)


def threshold(input, threshold, value, inplace=False):
    return _act(A.Threshold, input, inplace, threshold=threshold, value=value)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return A.Softmax.apply(input, dim=wrap_dim(dim, input.dim()) if input.dim() else 0)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return A.LogSoftmax.apply(input, dim=wrap_dim(dim, input.dim()) if input.dim() else 0)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


# ---------------------------------------------------------------------- dropout
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * 0
    else:
        from ..ops.random import rand
        mask = (rand(input.shape, dtype=input.dtype if input.is_floating_point() else None,
                     device=input.device) >= p)
        out = input * mask * (1.0 / (1.0 - p))
    if inplace:
        with no_grad():
            input.copy_(out)
        return input
    return out


def _feature_dropout(input, p, training, inplace, batched_ndim):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    from ..ops.random import rand
    nd = input.dim()
    shape = input.shape[: nd - batched_ndim] + (1,) * batched_ndim
    mask = rand(shape, dtype=input.dtype, device=input.device) >= p
    out = input * mask * (1.0 / (1.0 - p)) if p < 1 else input * 0
    if inplace:
        with no_grad():
            input.copy_(out)
        return input
    return out


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 2)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if not training or p == 0:
        return input
    from ..ops.random import rand
    alpha_p = -A.SELU_ALPHA * A.SELU_SCALE
    keep = rand(input.shape, dtype=input.dtype) >= p
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    return (input * keep + alpha_p * (~keep)) * a + b


# ---------------------------------------------------------------------- convolution and pooling
def _conv(input, weight, bias, stride, padding, dilation, groups, nd):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(input.shape)}")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, "
                           f"but got {input.shape[1]} channels instead")
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [dilation[i] * (weight.shape[2 + i] - 1) for i in range(nd)]
            if any(t % 2 for t in total):
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                              "require a zero-padded copy of the input be created (Triggered "
                              "internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                              "Convolution.cpp:1101.)", UserWarning, stacklevel=3)
                # asymmetric: pad the extra element on the right, like PyTorch
                input = pad(input, [p for t in reversed(total) for p in (t // 2, t - t // 2)])
                padding = (0,) * nd
            else:
                padding = tuple(t // 2 for t in total)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
    padding = _tuple(padding, nd)
    out = C.ConvNd.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                         groups=groups) if bias is not None else \
        C.ConvNd.apply(input, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    kw = dict(stride=_tuple(stride, nd), padding=_tuple(padding, nd),
              output_padding=_tuple(output_padding, nd), groups=groups, dilation=_tuple(dilation, nd))
    out = C.ConvTransposeNd.apply(input, weight, bias, **kw) if bias is not None else \
        C.ConvTransposeNd.apply(input, weight, **kw)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def _pool_args(kernel_size, stride, padding, dilation, nd):
    kernel = _tuple(kernel_size, nd)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _tuple(stride, nd)
    padding = _tuple(padding, nd)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={_tuple(dilation, nd)[0]}")
    return kernel, stride, padding, _tuple(dilation, nd)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation, nd)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    out = _MAX_POOL[nd].apply(x, kernel=kernel, stride=stride, padding=padding,
                              dilation=dilation, ceil_mode=ceil_mode,
                              return_indices=return_indices)
    if not return_indices:          # the int64 indices are only computed when asked for
        return out.squeeze(0) if unbatched else out
    vals, idx = out
    if unbatched:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return vals, idx


_MAX_POOL = {2: P.MaxPoolNd}
for _nd in (1, 3):
    _MAX_POOL[_nd] = type(f"MaxPool{_nd}d", (P.MaxPoolNd,), {
        "node_name": f"MaxPool{_nd}DWithIndicesBackward0", "__module__": __name__})


def _as_2d(v, fill):
    return (fill, _tuple(v, 1)[0])


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    # PyTorch runs the 2-D kernel on an unsqueezed input (so its graph shows SqueezeBackward1)
    if stride is None or (isinstance(stride, (list, tuple)) and not stride):
        stride = kernel_size
    r = _max_pool(input.unsqueeze(-2), _as_2d(kernel_size, 1), _as_2d(stride, 1),
                  _as_2d(padding, 0), _as_2d(dilation, 1), ceil_mode, return_indices, 2)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding, 1, nd)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    cls = P.AvgPoolNd if nd == 2 else type("AvgPool1d", (P.AvgPoolNd,), {
        "node_name": "AvgPool2DBackward0" if nd == 1 else "AvgPool3DBackward0"})
    out = cls.apply(x, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                    count_include_pad=count_include_pad, divisor_override=divisor_override)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if stride is None or (isinstance(stride, (list, tuple)) and not stride):
        stride = kernel_size
    return _avg_pool(input.unsqueeze(-2), _as_2d(kernel_size, 1), _as_2d(stride, 1),
                     _as_2d(padding, 0), ceil_mode, count_include_pad, None, 2).squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2)


def _adaptive_avg(input, output_size, nd):
    out = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    out = tuple(input.shape[-nd + i] if o is None else int(o) for i, o in enumerate(out))
    if all(o == 1 for o in out):   # PyTorch takes the mean here (MeanBackward1)
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    return P.AdaptiveAvgPoolNd.apply(input, output_size=out)


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input.unsqueeze(-2), (1, _tuple(output_size, 1)[0]), 2).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, output_size, 2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    out = tuple(input.shape[-2 + i] if o is None else int(o) for i, o in enumerate(out))
    vals, idx = P.AdaptiveMaxPool2d.apply(input, output_size=out)
    return (vals, idx) if return_indices else vals


def adaptive_max_pool1d(input, output_size, return_indices=False):
    vals, idx = adaptive_max_pool2d(input.unsqueeze(-2), (1, _tuple(output_size, 1)[0]), True)
    vals, idx = vals.squeeze(-2), idx.squeeze(-2)
    return (vals, idx) if return_indices else vals


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None else _tuple(stride, 2)
    padding = _tuple(padding, 2)
    if output_size is None:
        output_size = tuple((input.shape[-2 + i] - 1) * stride[i] - 2 * padding[i] + kernel[i]
                            for i in range(2))
    else:
        output_size = tuple(output_size)[-2:]
    return P.MaxUnpool2d.apply(input, indices=indices._data, output_size=output_size)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims: nearest, nearest-exact, linear, bilinear, trilinear."""
    from ..ops.resample import interp_matrix, resample_class
    nd = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode == "area":
        return _adaptive_avg(input, size if size is not None else tuple(
            int(math.floor(input.shape[2 + i] * _tuple_f(scale_factor, nd)[i])) for i in range(nd)), nd)
    expected = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode)
    if expected is not None and expected != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{expected + 2}D input")
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear"):
        raise NotImplementedError(f"Ember's interpolate does not support mode '{mode}' yet")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out = _tuple(size, nd)
        scales = (None,) * nd
    else:
        sf = _tuple_f(scale_factor, nd)
        out = tuple(int(math.floor(input.shape[2 + i] * sf[i])) for i in range(nd))
        scales = (None,) * nd if recompute_scale_factor else sf
    mats = [interp_matrix(input.shape[2 + i], out[i], mode, bool(align_corners), scales[i])
            for i in range(nd)]
    return resample_class(mode, nd).apply(input, mats=mats)


def _tuple_f(v, n):
    return tuple(float(x) for x in v) if isinstance(v, (tuple, list)) else (float(v),) * n


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor):
    from ..ops.resample import PixelShuffle
    c = input.shape[-3]
    if c % (upscale_factor ** 2):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {upscale_factor ** 2}")
    return PixelShuffle.apply(input, r=upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    from ..ops.resample import PixelUnshuffle
    return PixelUnshuffle.apply(input, r=downscale_factor)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L)."""
    from ..ops.resample import Im2Col
    if input.dim() != 4:
        raise NotImplementedError(f"Input Error: Only 4D input Tensors are supported (got {input.dim()}D)")
    return Im2Col.apply(input, kernel=_tuple(kernel_size, 2), dilation=_tuple(dilation, 2),
                        padding=_tuple(padding, 2), stride=_tuple(stride, 2))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back: (N, C*kh*kw, L) -> (N, C, H, W)."""
    from ..ops.resample import Col2Im
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    out = Col2Im.apply(x, output_size=_tuple(output_size, 2), kernel=_tuple(kernel_size, 2),
                       dilation=_tuple(dilation, 2), padding=_tuple(padding, 2),
                       stride=_tuple(stride, 2))
    return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------- normalisation
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    normalized_shape = _tuple(normalized_shape, 1) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if tuple(input.shape[input.dim() - len(normalized_shape):]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input.shape)}")
    args = [input] + ([weight] if weight is not None else []) + ([bias] if bias is not None else [])
    if weight is None and bias is not None:
        args = [input, input.new_ones(normalized_shape), bias]
    return N.LayerNorm.apply(*args, normalized_ndim=len(normalized_shape), eps=eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch norm; in training mode updates the running stats in place (unbiased variance)."""
    if training:
        size = input.numel() // input.shape[1] if input.dim() > 1 else 1
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        w = weight if weight is not None else (input.new_ones(input.shape[1]) if bias is not None else None)
        args = [input] + ([w] if w is not None else []) + ([bias] if bias is not None else [])
        y, mean, var = N.BatchNorm.apply(*args, eps=eps)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
                running_var.mul_(1 - momentum).add_(var * (size / (size - 1)), alpha=momentum)
        return y
    shape = (1, -1) + (1,) * (input.dim() - 2)
    y = (input - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if input.shape[1] % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    w = weight if weight is not None else (input.new_ones(input.shape[1]) if bias is not None else None)
    args = [input] + ([w] if w is not None else []) + ([bias] if bias is not None else [])
    return N.GroupNorm.apply(*args, groups=num_groups, eps=eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Batch norm of each sample on its own: (N, C, *) viewed as (1, N*C, *)."""
    n, c = input.shape[:2]
    shape = (1, n * c) + tuple(input.shape[2:])
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    out = batch_norm(input.reshape(shape), rm, rv, w, b, use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        with no_grad():
            running_mean.copy_(rm.view(n, c).mean(0))
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dims = tuple(range(-len(normalized_shape), 0))
    if eps is None:
        eps = D.finfo(input.dtype).eps
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = (input * input).unsqueeze(1)
    if dim == 3:
        # composed of differentiable ops (not avg_pool2d's array backward), so that second
        # derivatives are right
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = _avg_pool_3d_channels(div, size).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = _avg_pool_3d_channels(div, size).squeeze(1)
        div = div.reshape(sizes)
    div = (div * alpha + k).pow(beta)
    return input / div


def _avg_pool_3d_channels(x, size):
    # average over a window of ``size`` along dim 2 (the channels), stride 1, from tensor ops
    n = x.shape[2] - size + 1
    acc = x.narrow(2, 0, n)
    for i in range(1, size):
        acc = acc + x.narrow(2, i, n)
    return acc / size


# ---------------------------------------------------------------------- embedding
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at ``input``; the row at ``padding_idx`` gets no gradient."""
    from ..ops.sparse_ops import Embedding
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        with no_grad():
            rows = input.reshape(-1).unique()
            norms = weight[rows].norm(p=norm_type, dim=1, keepdim=True)
            scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
            weight[rows] = weight[rows] * scale
    return Embedding.apply(weight, input, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    from ..ops.creation import zeros
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    out = zeros(tuple(tensor.shape) + (num_classes,), dtype=D.int64)
    out.scatter_(-1, tensor.unsqueeze(-1), 1)
    return out


# ---------------------------------------------------------------------- losses
def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() > 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype}")
    w = weight._data if weight is not None else None
    if input.dim() > 2:
        # K-dimensional: PyTorch's 2-D kernel on a (N, C, d1, rest) view
        n, c = input.shape[:2]
        x4 = input if input.dim() == 4 else input.reshape(n, c, input.shape[2], -1)
        t3 = target if target.dim() == 3 else target.reshape(n, target.shape[1], -1)
        out = L.NllLoss2d.apply(x4, t3, weight=w, reduction=reduction, ignore_index=ignore_index)
        return out.view(target.shape) if reduction == "none" and input.dim() != 4 else out
    return L.NllLoss.apply(input, target, weight=w, reduction=reduction, ignore_index=ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)``; class-probability targets and label smoothing too."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    class_dim = 1 if input.dim() > 1 else 0
    logp = log_softmax(input, class_dim)
    if target.dtype.is_floating_point:
        # class probabilities
        n_classes = input.shape[class_dim]
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        wshape = [1] * input.dim()
        wshape[class_dim] = n_classes
        prod = logp * target if weight is None else logp * target * weight.reshape(wshape)
        loss = -prod.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes) if input.dim() > 1 else loss
        return _reduce(loss, reduction)
    loss = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing > 0:
        n_classes = input.shape[class_dim]
        valid = (target != ignore_index)
        wshape = [1] * input.dim()
        wshape[class_dim] = n_classes
        smooth = -(logp * weight.reshape(wshape)).sum(class_dim) if weight is not None \
            else -logp.sum(class_dim)
        smooth = smooth * valid
        if reduction == "mean":
            denom = weight[target.masked_fill(~valid, 0)].mul(valid).sum() if weight is not None \
                else valid.sum()
            smooth = smooth.sum() / denom
        else:
            smooth = _reduce(smooth, reduction)
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
    return loss


def _check_same_size(input, target, name):
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target, "mse")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target, "l1")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _check_same_size(input, target, "smooth_l1")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = (d < beta) * (0.5 * d * d / beta) + (d >= beta) * (d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_same_size(input, target, "huber")
    d = (input - target).abs()
    loss = (d < delta) * (0.5 * d * d) + (d >= delta) * (delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    # PyTorch clamps the logs at -100 so that 0 * log(0) stays finite
    loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    log_sig = logsigmoid(input)
    log_one_minus = logsigmoid(-input)
    if pos_weight is not None:
        loss = -(pos_weight * target * log_sig + (1 - target) * log_one_minus)
    else:
        loss = -(target * log_sig + (1 - target) * log_one_minus)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12) if input1.dim() > 1 else \
        cosine_similarity(input1.unsqueeze(0), input2.unsqueeze(0), 1, 1e-12).squeeze(0)
    loss = (target == 1) * (1 - cos) + (target == -1) * (cos - margin).clamp(min=0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = (target == 1) * input + (target == -1) * (margin - input).clamp(min=0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce((-target * input).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.dim() - 1) / input.size(-1)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if var.dim() == input.dim() - 1 and var.shape == input.shape[:-1]:
        var = var.unsqueeze(-1)
    if (var < 0).any().item():
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    from ..ops.random import rand
    u = rand(logits.shape, dtype=logits.dtype)
    gumbels = -(-(u.clamp(min=1e-20)).log()).log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    from ..ops.creation import zeros_like
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ---------------------------------------------------------------------- distances
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    w12 = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return w12 / (n1 * n2).clamp(min=eps * eps).sqrt()


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def pad(input, pad, mode="constant", value=None):
    """``F.pad``: constant, reflect, replicate and circular padding of the last dims."""
    from ..ops.padding import pad as _pad
    return _pad(input, pad, mode, value)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """``softmax(q k^T * scale + mask) v`` as PyTorch's reference implementation."""
    from ..ops.creation import ones
    L_, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn = query.matmul(key.transpose(-2, -1)) * scale_factor
    if is_causal:
        mask = ones(L_, S, dtype=D.bool).tril()
        attn = attn.masked_fill(~mask, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is D.bool:
            attn = attn.masked_fill(~attn_mask, float("-inf"))
        else:
            attn = attn + attn_mask
    attn = softmax(attn, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return attn.matmul(value)


_ = Tensor


# ---------------------------------------------------------------------- embedding_bag
def _embedding_renorm_(weight, input, max_norm, norm_type):
    with no_grad():
        rows = input.reshape(-1).unique()
        norms = weight[rows].norm(p=norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        weight[rows] = weight[rows] * scale


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Reduce (sum / mean / max) bags of embedding rows without building each row (PyTorch's
    ``F.embedding_bag``): a 1-D ``input`` with ``offsets`` marking where bags start, or a 2-D
    ``input`` whose rows are fixed-length bags."""
    from ..ops.creation import arange
    from ..ops.embedding_bag import EmbeddingBag
    if weight.dtype is D.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a "
                             "mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets)}".replace("ember._tensor.Tensor", "torch.Tensor"))
        offsets = arange(0, input.numel(), input.shape[1], dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    if input.dtype.is_floating_point or input.dtype.is_complex or input.dtype is D.bool:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.type()} instead (while checking "
                           "arguments for embedding_bag)")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on GitHub.")
    idx, offs = input._data.astype("int64"), offsets._data.astype("int64")
    n = idx.shape[0]
    if offs.shape[0] and int(offs[0]) != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has "
                           f"to start from position 0. However, got {int(offs[0])}\n"
                           f"[ {offsets.type().replace('ember.', 'torch.')}{{}} ]")
    if offs.shape[0] and int(offs[-1]) > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {int(offs[-1])}")
    if n and (int(idx.min()) < 0 or int(idx.max()) >= weight.shape[0]):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError("padding_idx must be within the number of embeddings")
        if padding_idx < 0:
            padding_idx += weight.shape[0]
    kw = dict(indices=idx, offsets=offs, mode=mode, include_last_offset=include_last_offset,
              padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    if per_sample_weights is not None:
        return EmbeddingBag.apply(weight, per_sample_weights, **kw)
    return EmbeddingBag.apply(weight, **kw)


__all__ += ["embedding_bag"]


# ---------------------------------------------------------------------- ctc_loss
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss (PyTorch's ``F.ctc_loss``).

    ``log_probs`` (T, N, C) or unbatched (T, C); ``targets`` padded (N, S) or concatenated 1-D;
    lengths as tensors or sequences of ints. ``mean`` divides each loss by its target length
    before averaging over the batch; ``zero_infinity`` zeroes infinite losses and their gradients.
    """
    import numpy as np

    from ..ops._util import xp_of
    from ..ops.ctc import CtcLoss
    from ..ops.indexing import where
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0)
    xp = xp_of(log_probs._data)

    def lengths(v):
        if isinstance(v, Tensor):
            return v._data.reshape(-1).astype(np.int64)
        return xp.asarray(list(v) if not isinstance(v, int) else [v], dtype=np.int64)

    il, tl = lengths(input_lengths), lengths(target_lengths)
    if unbatched:
        il, tl = il[:1], tl[:1]
    T, N, C = log_probs.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if il.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if N and int(il.max()) > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(il.max())} (while checking arguments for ctc_loss_allocate_outputs)")
    tg = targets._data.astype(np.int64)
    s_max = int(tl.max()) if N else 0
    if tg.ndim == 1:
        # concatenated targets: sample n's labels start after the previous samples' labels
        starts = xp.cumsum(tl) - tl
        cols = xp.arange(s_max)
        take = cols[None, :] < tl[:, None]
        src = xp.where(take, starts[:, None] + cols[None, :], 0)
        tg = xp.where(take, tg[src] if tg.size else 0, 0)
    else:
        if tg.shape[1] < s_max:
            raise RuntimeError(f"Expected tensor to have size at least {s_max} at dimension 1, but "
                               f"got size {tg.shape[1]} for argument #2 'targets' (while checking "
                               "arguments for ctc_loss_allocate_outputs)")
        tg = tg[:, :s_max]
    loss = CtcLoss.apply(log_probs, targets=tg, input_lengths=il, target_lengths=tl, blank=blank,
                         zero_infinity=zero_infinity)
    if zero_infinity:
        loss = where(loss == math.inf, loss.new_zeros(()), loss)
    if reduction == "mean":
        return (loss / Tensor._make(tl).clamp_min(1)).mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


__all__ += ["ctc_loss"]


# ---------------------------------------------------------------------- grid_sample / affine_grid
_ALIGN_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                          "align_corners=False since 1.3.0. Please specify align_corners=True if "
                          "the old behavior is desired. See the documentation of grid_sample for "
                          "details.")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised locations of ``grid``
    (N, H_out, W_out, 2) / (N, D_out, H_out, W_out, 3), as PyTorch's ``F.grid_sample``:
    bilinear, nearest or (4-D only) bicubic; padding ``zeros``/``border``/``reflection``;
    differentiable in both."""
    from ..ops import grid_sample as G
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    if input.dim() not in (4, 5):
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if grid.dim() != input.dim() or grid.shape[-1] != input.dim() - 2:
        if grid.dim() != input.dim():
            raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number "
                               f"of dimensions, but got input with sizes {list(input.shape)} and "
                               f"grid with sizes {list(grid.shape)}")
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    op = G.GridSampler2D if input.dim() == 4 else G.GridSampler3D
    return op.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid of the affine maps ``theta`` (N, 2, 3) or (N, 3, 4) for an output of ``size``
    (PyTorch's ``F.affine_grid``)."""
    from ..ops.grid_sample import AffineGridGenerator
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    shape_str = str(theta.shape).replace("ember.Size", "torch.Size")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {shape_str}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {shape_str}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                                  f"transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return AffineGridGenerator.apply(theta, size=tuple(size), align_corners=align_corners)


__all__ += ["grid_sample", "affine_grid"]
