"""``torch.nn.functional``: the function form of layers and losses (being built)."""

from ..ops.pointwise import relu  # noqa: F401

__all__ = ["linear", "bilinear", "relu"]


def linear(input, weight, bias=None):
    """``y = input @ weight.T + bias`` (one BLAS call; AddmmBackward0 for 2-D inputs as in PyTorch)."""
    if input.dim() == 2 and bias is not None:
        from ..ops.linalg import addmm
        return addmm(bias, input, weight.t())
    out = input.matmul(weight.t())
    if bias is not None:
        out = out + bias
    return out


def bilinear(input1, input2, weight, bias=None):
    from ..ops.linalg import einsum
    out = einsum("bi,oij,bj->bo", input1, weight, input2)
    if bias is not None:
        out = out + bias
    return out
