"""The backward graph as a picture: ``draw_graph`` returns Graphviz DOT text.

Like torchviz's ``make_dot``: one box per graph node named as PyTorch names it
(``MulBackward0``), leaves (``AccumulateGrad``) shown as the tensor they feed,
with its name from ``params`` and its shape, the output tensors in green, and,
with ``show_saved=True``, the tensors each node saved for backward in orange.
The DOT text needs nothing installed; ``DotGraph.render`` turns it into SVG or
PNG when the Graphviz ``dot`` program is on the PATH and returns None otherwise.
Also home of ``Node`` (the base of every graph node) as ``torch.autograd.graph`` has it.
"""

import shutil
import subprocess

from .function import RELEASED, Node

__all__ = ["draw_graph", "DotGraph", "Node", "dot_available"]


def dot_available():
    """True when the Graphviz ``dot`` program can be found."""
    return shutil.which("dot") is not None


class DotGraph(str):
    """DOT source text (a ``str``) that can also render itself with Graphviz."""

    def render(self, filename=None, format="svg"):
        """Run ``dot -T<format>``; write to ``filename`` when given and return the output
        (bytes), or None when ``dot`` is not installed."""
        exe = shutil.which("dot")
        if exe is None:
            return None
        out = subprocess.run([exe, f"-T{format}"], input=str(self).encode(), capture_output=True,
                             check=True).stdout
        if filename is not None:
            with open(filename, "wb") as f:
                f.write(out)
        return out

    def _repr_svg_(self):
        out = self.render(format="svg")
        return out.decode() if out is not None else None


def _shape(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def draw_graph(tensor, params=None, show_saved=False):
    """The backward graph of ``tensor`` (or a tuple of tensors) as Graphviz DOT text.

    ``params``: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to
    label leaves by name.  Returns a :class:`DotGraph` (a ``str``).
    """
    from .._tensor import Tensor
    from .engine import AccumulateGrad
    outputs = tensor if isinstance(tensor, (tuple, list)) else (tensor,)
    names = {id(t): n for n, t in (params or {}).items()}
    lines = ["digraph {", '\tgraph [size="12,12"]',
             '\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 '
             'shape=box style=filled]']
    seen = set()

    def node_id(obj):
        return str(id(obj))

    def leaf_label(var):
        name = names.get(id(var), "")
        return f"{name}\n {_shape(var.shape)}" if name else _shape(var.shape)

    stack = []
    for out in outputs:
        if not isinstance(out, Tensor):
            continue
        label = names.get(id(out), "") + ("\n " if id(out) in names else "") + _shape(out.shape)
        lines.append(f"\t{node_id(out)} [label={_quote(label)} fillcolor=darkolivegreen1]")
        fn = out.grad_fn
        if fn is not None:
            lines.append(f"\t{node_id(fn)} -> {node_id(out)}")
            stack.append(fn)
        elif out._grad_acc is not None and out._grad_acc() is not None:
            stack.append(out._grad_acc())
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if isinstance(fn, AccumulateGrad):
            var = fn.variable
            lines.append(f"\t{node_id(fn)} [label={_quote(leaf_label(var))} fillcolor=lightblue]")
        else:
            lines.append(f"\t{node_id(fn)} [label={_quote(fn.name())} fillcolor=lightgrey]")
            saved = fn._saved
            if show_saved and saved and saved is not RELEASED:
                for k, s in enumerate(saved):
                    if s is None:
                        continue
                    arr = s.tensor._data if s.tensor is not None else s.array
                    sid = f"{node_id(fn)}_saved{k}"
                    label = f"saved {k}\n{_shape(arr.shape)}"
                    lines.append(f"\t{sid} [label={_quote(label)} fillcolor=orange]")
                    lines.append(f"\t{sid} -> {node_id(fn)} [dir=none]")
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            lines.append(f"\t{node_id(nxt)} -> {node_id(fn)}")
            stack.append(nxt)
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")
