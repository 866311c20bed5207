"""Packed sequences: ``PackedSequence``, ``pack_padded_sequence``, ``pad_packed_sequence``,
``pad_sequence``, ``pack_sequence``, ``unpad_sequence``, ``unpack_sequence``.

A PackedSequence stores a batch of variable-length sequences time step by time
step: ``data`` holds, for t = 0, 1, ..., the rows of the sequences still running
at t (``batch_sizes[t]`` of them, longest sequences first).
"""

from collections import namedtuple

from ... import _dtype as D
from ..._tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]

_PackedBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                            "unsorted_indices"])


class PackedSequence(_PackedBase):
    """Holds the data and ``batch_sizes`` of a packed batch (build it with ``pack_*``)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    from ...ops.creation import arange, empty_like
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) or (B, T, *) given each sequence's length."""
    from ...ops.creation import as_tensor, tensor
    from ...ops.joining import cat
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=D.int64)
    lengths = lengths.to(D.int64).cpu()
    if enforce_sorted:
        if (lengths[:-1] < lengths[1:]).any().item():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        lengths, sorted_indices = lengths.sort(descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    lens = lengths.tolist()
    if lens and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    max_len = lens[0] if lens else 0
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(max_len)]
    data = cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded batch, lengths)."""
    from ...ops.creation import tensor
    from ...ops.joining import stack
    data, batch_sizes = sequence.data, sequence.batch_sizes.tolist()
    max_batch = batch_sizes[0]
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    rows = []
    offset = 0
    trailing = tuple(data.shape[1:])
    for t in range(max_len):
        bs = batch_sizes[t] if t < len(batch_sizes) else 0
        step = data[offset:offset + bs]
        offset += bs
        if bs < max_batch:
            from ...ops.creation import full
            filler = full((max_batch - bs,) + trailing, padding_value, dtype=data.dtype,
                          device=data.device)
            from ...ops.joining import cat
            step = cat([step, filler], 0)
        rows.append(step)
    padded = stack(rows, 0)
    lengths = [sum(1 for bs in batch_sizes if bs > b) for b in range(max_batch)]
    lengths = tensor(lengths, dtype=D.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length tensors into one padded tensor (T, B, *) or (B, T, *)."""
    from ...ops.creation import full
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    max_len = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    out = full((len(sequences), max_len) + trailing, padding_value, dtype=sequences[0].dtype,
               device=sequences[0].device)
    for i, s in enumerate(sequences):
        n = s.shape[0]
        if padding_side == "right":
            out[i, :n] = s
        else:
            out[i, max_len - n:] = s
    return out if batch_first else out.transpose(0, 1)


def pack_sequence(sequences, enforce_sorted=True):
    from ...ops.creation import tensor
    lengths = tensor([v.size(0) for v in sequences], dtype=D.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
