"""``draw_graph``: DOT text of the backward graph (and rendering when Graphviz is installed)."""

import re
import shutil

import pytest

import ember
from ember.autograd import draw_graph
from ember.autograd.graph import DotGraph, dot_available


def small_model():
    w = ember.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    b = ember.tensor([0.1, 0.2], requires_grad=True)
    x = ember.tensor([[1.0, 2.0]])
    y = ((x * w).sum(1) + b).exp().mean()
    return y, {"weight": w, "bias": b}


def test_dot_text_names_nodes_and_leaves():
    y, params = small_model()
    dot = draw_graph(y, params=params)
    assert isinstance(dot, str) and isinstance(dot, DotGraph)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    for name in ("MeanBackward0", "ExpBackward0", "AddBackward0", "SumBackward1", "MulBackward0"):
        assert f'label="{name}"' in dot
    assert 'label="weight\\n (2, 2)" fillcolor=lightblue' in dot
    assert 'label="bias\\n (2,)" fillcolor=lightblue' in dot
    assert "fillcolor=darkolivegreen1" in dot          # the output
    edges = re.findall(r"^\t(\d+) -> (\d+)$", dot, flags=re.M)
    assert len(edges) == 7       # w->mul->sum->add->exp->mean->output, bias->add
    assert "saved" not in dot


def test_show_saved_lists_saved_tensors_until_released():
    y, params = small_model()
    dot = draw_graph(y, params=params, show_saved=True)
    assert dot.count("fillcolor=orange") >= 3         # Mul saves 2, Exp saves its output
    assert 'label="saved 0\\n(1, 2)"' in dot
    y.backward()
    after = draw_graph(y, params=params, show_saved=True)
    assert "fillcolor=orange" not in after


def test_unnamed_leaf_and_tuple_of_outputs():
    a = ember.ones(3, requires_grad=True)
    dot = draw_graph((a * 2, a + 1))
    assert 'label="(3,)" fillcolor=lightblue' in dot
    assert dot.count("fillcolor=darkolivegreen1") == 2
    assert dot.count("fillcolor=lightblue") == 1     # one AccumulateGrad shared by both


def test_render_with_or_without_graphviz(tmp_path):
    y, params = small_model()
    dot = draw_graph(y, params)
    out = dot.render(str(tmp_path / "g.svg"), format="svg")
    if dot_available():
        assert out.lstrip().startswith(b"<?xml") or b"<svg" in out
        assert (tmp_path / "g.svg").exists()
    else:
        assert shutil.which("dot") is None
        assert out is None and not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("params", [None, {}])
def test_graph_of_a_leaf(params):
    a = ember.ones(2, requires_grad=True)
    dot = draw_graph(a, params)
    assert "digraph" in dot and "darkolivegreen1" in dot
