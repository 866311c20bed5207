"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells.

The input-to-hidden products of a whole sequence are one GEMM per layer and
direction; only the hidden-to-hidden product runs per time step (it depends
on the previous step).  Parameters carry PyTorch's names (``weight_ih_l0``,
``bias_hh_l1_reverse``, ``weight_hr_l0`` ...) and gate order (LSTM: i, f, g, o;
GRU: r, z, n), so state dicts load in either framework.  Packed sequences are
run step by step over the shrinking batch.
"""

import math

from ...ops.creation import empty, zeros
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _cat(tensors, dim):
    from ...ops.joining import cat
    return cat(tensors, dim)


def _stack(tensors, dim):
    from ...ops.joining import stack
    return stack(tensors, dim)


# ---------------------------------------------------------------------- one time step
def _rnn_step(gi, h, w_hh, b_hh, nonlinearity):
    pre = gi + F.linear(h, w_hh, b_hh)
    return (pre.tanh() if nonlinearity == "tanh" else pre.relu()),


def _lstm_step(gi, h, c, w_hh, b_hh, w_hr):
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi, h, w_hh, b_hh):
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (n + z * (h - n)),


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU."""

    _gates = 1

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden_size
        num_directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    shapes.append((proj_size, hidden_size))
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self):
        """A no-op in Ember (cuDNN's weight packing does not apply)."""

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        g = lambda n: getattr(self, f"{n}_l{layer}{suffix}", None)  # noqa: E731
        return g("weight_ih"), g("weight_hh"), g("bias_ih"), g("bias_hh"), g("weight_hr")

    # ------------------------------------------------------------------ forward
    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if packed:
            data, batch_sizes = input.data, input.batch_sizes.tolist()
            max_batch = batch_sizes[0]
            unbatched = False
            if hx is not None and input.sorted_indices is not None:
                hx = self._permute_hidden(hx, input.sorted_indices)
        else:
            expected = 3
            unbatched = input.dim() == 2
            if input.dim() not in (2, 3):
                raise ValueError(f"{self.mode}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 "instead")
            if unbatched:
                input = input.unsqueeze(1)
                if hx is not None:
                    hx = tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            del expected
            if input.shape[-1] != self.input_size:
                raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                                   f"{self.input_size}, got {input.shape[-1]}")
            max_batch = input.shape[1]
        if hx is None:
            h0 = zeros(self.num_layers * num_directions, max_batch, real_hidden,
                       dtype=(input.data if packed else input).dtype, device=(input.data if packed else input).device)
            c0 = zeros(self.num_layers * num_directions, max_batch, self.hidden_size,
                       dtype=h0.dtype, device=h0.device) if is_lstm else None
        else:
            h0, c0 = (hx if is_lstm else (hx, None))
            self._check_hidden(h0, (self.num_layers * num_directions, max_batch, real_hidden))
            if is_lstm:
                self._check_hidden(c0, (self.num_layers * num_directions, max_batch, self.hidden_size),
                                   "Expected hidden[1] size")
        layer_input = data if packed else input
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                h = h0[idx]
                c = c0[idx] if is_lstm else None
                if packed:
                    out, h, c = self._run_packed(layer_input, batch_sizes, h, c, layer, direction)
                else:
                    out, h, c = self._run_padded(layer_input, h, c, layer, direction)
                outs.append(out)
                h_n.append(h)
                if is_lstm:
                    c_n.append(c)
            layer_input = outs[0] if num_directions == 1 else _cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = _stack(h_n, 0)
        c_n = _stack(c_n, 0) if is_lstm else None
        if packed:
            output = PackedSequence(layer_input, input.batch_sizes, input.sorted_indices,
                                    input.unsorted_indices)
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if is_lstm else None
        else:
            output = layer_input
            if unbatched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if is_lstm else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)

    def _permute_hidden(self, hx, permutation):
        if isinstance(hx, tuple):
            return tuple(h.index_select(1, permutation) for h in hx)
        return hx.index_select(1, permutation)

    def _check_hidden(self, h, expected, msg="Expected hidden size"):
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{msg} {expected}, got {list(h.shape)}")

    def _step(self, gi, h, c, w_hh, b_hh, w_hr):
        if self.mode == "LSTM":
            return _lstm_step(gi, h, c, w_hh, b_hh, w_hr)
        if self.mode == "GRU":
            return _gru_step(gi, h, w_hh, b_hh)[0], None
        return _rnn_step(gi, h, w_hh, b_hh, self.nonlinearity)[0], None

    def _run_padded(self, x, h, c, layer, direction):
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        gi_all = F.linear(x, w_ih, b_ih)          # (T, B, gates): one GEMM for all steps
        steps = range(x.shape[0] - 1, -1, -1) if direction == 1 else range(x.shape[0])
        outs = [None] * x.shape[0]
        for t in steps:
            h, c = self._step(gi_all[t], h, c, w_hh, b_hh, w_hr)
            outs[t] = h
        return _stack(outs, 0), h, c

    def _run_packed(self, data, batch_sizes, h, c, layer, direction):
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        gi_all = F.linear(data, w_ih, b_ih)
        offsets = [0]
        for bs in batch_sizes:
            offsets.append(offsets[-1] + bs)
        outs = [None] * len(batch_sizes)
        if direction == 0:
            # the batch shrinks over time: finished sequences keep their last state
            finished_h, finished_c = [], []
            cur_h, cur_c = h, c
            for t, bs in enumerate(batch_sizes):
                if cur_h.shape[0] > bs:
                    finished_h.append(cur_h[bs:])
                    cur_h = cur_h[:bs]
                    if c is not None:
                        finished_c.append(cur_c[bs:])
                        cur_c = cur_c[:bs]
                cur_h, cur_c = self._step(gi_all[offsets[t]:offsets[t + 1]], cur_h, cur_c, w_hh,
                                          b_hh, w_hr)
                outs[t] = cur_h
            h_last = _cat([cur_h] + finished_h[::-1], 0)
            c_last = _cat([cur_c] + finished_c[::-1], 0) if c is not None else None
        else:
            # reverse: start from the end; sequences join as the batch grows
            cur_h = h[:batch_sizes[-1]]
            cur_c = c[:batch_sizes[-1]] if c is not None else None
            for t in range(len(batch_sizes) - 1, -1, -1):
                bs = batch_sizes[t]
                if cur_h.shape[0] < bs:
                    cur_h = _cat([cur_h, h[cur_h.shape[0]:bs]], 0)
                    if c is not None:
                        cur_c = _cat([cur_c, c[cur_c.shape[0]:bs]], 0)
                cur_h, cur_c = self._step(gi_all[offsets[t]:offsets[t + 1]], cur_h, cur_c, w_hh,
                                          b_hh, w_hr)
                outs[t] = cur_h
            h_last, c_last = cur_h, cur_c
        return _cat(outs, 0), h_last, c_last


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ReLU)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, with optional projections (``proj_size``)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = self._gates * hidden_size
        self.weight_ih = Parameter(empty((g, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((g, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(g, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(g, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _prep(self, input, hx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        return input, unbatched


class RNNCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, unbatched = self._prep(input, hx)
        if hx is None:
            hx = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
        elif unbatched:
            hx = hx.unsqueeze(0)
        (h,) = _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                         self.bias_hh, self.nonlinearity)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_CellBase):
    _gates = 4

    def forward(self, input, hx=None):
        input, unbatched = self._prep(input, hx)
        if hx is None:
            z = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (z, z)
        elif unbatched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx[0], hx[1],
                          self.weight_hh, self.bias_hh, None)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_CellBase):
    _gates = 3

    def forward(self, input, hx=None):
        input, unbatched = self._prep(input, hx)
        if hx is None:
            hx = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
        elif unbatched:
            hx = hx.unsqueeze(0)
        (h,) = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                         self.bias_hh)
        return h.squeeze(0) if unbatched else h
