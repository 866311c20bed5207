"""``output_size`` for transposed convolutions: the ``output_padding`` that yields it.

A transposed convolution with stride s can produce s different output sizes
from one input size; ``output_size`` picks one, as in PyTorch's
``_ConvTransposeNd._output_padding`` (same checks, same messages). To wire into
``_ConvTransposeNd.forward``::

    output_padding = transposed_output_padding(input, output_size, self.stride, self.padding,
                                               self.kernel_size, self._nd, self.dilation,
                                               self.output_padding)
"""

__all__ = ["transposed_output_padding"]


def transposed_output_padding(input, output_size, stride, padding, kernel_size, num_spatial_dims,
                              dilation=None, output_padding=0):
    """``output_padding`` per spatial dim: the module's own when ``output_size`` is None, else
    ``output_size - smallest reachable size`` after checking it is reachable."""
    if output_size is None:
        if isinstance(output_padding, (tuple, list)):
            return list(output_padding)
        return [output_padding] * num_spatial_dims
    has_batch_dim = input.dim() == num_spatial_dims + 2
    num_non_spatial_dims = 2 if has_batch_dim else 1
    output_size = list(output_size)
    if len(output_size) == num_non_spatial_dims + num_spatial_dims:
        output_size = output_size[num_non_spatial_dims:]
    if len(output_size) != num_spatial_dims:
        raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size "
                         f"must have {num_spatial_dims} or {num_non_spatial_dims + num_spatial_dims}"
                         f" elements (got {len(output_size)})")
    min_sizes, max_sizes = [], []
    for d in range(num_spatial_dims):
        dim_size = ((input.size(d + num_non_spatial_dims) - 1) * stride[d] - 2 * padding[d]
                    + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1) + 1)
        min_sizes.append(dim_size)
        max_sizes.append(dim_size + stride[d] - 1)
    for size, lo, hi in zip(output_size, min_sizes, max_sizes):
        if size < lo or size > hi:
            spatial = str(input.size()[2:]).replace("ember.Size", "torch.Size")
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range "
                             f"from {min_sizes} to {max_sizes} (for an input of {spatial})")
    return [output_size[d] - min_sizes[d] for d in range(num_spatial_dims)]
