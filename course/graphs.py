"""The course's networks as computational graphs (`course.graph`), one function per network.

Each graph follows the forward pass and the loss of its notebook's "Conventions across the course"
box; nothing here differentiates anything. The node names are the keys a demo cell's
`backward(values)` returns its gradients under (each function's docstring lists them); every
gradient is +∂loss/∂node (a2's error terms δ = −∂E/∂z are negated by the cell that maps them).

    from course import graphs
    graph = graphs.network_321()
    values = graph.forward({"X": X, "W1": W1, "w2": w2, "y": y})
"""
from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .graph import Graph, Node


def _with_bias(values: np.ndarray) -> np.ndarray:
    # course.house_prices.with_bias, inlined: that module imports the hidden-test machinery.
    return np.hstack([np.ones((len(values), 1)), values])


def two_node() -> Graph:
    """Lecture 003's two-node network (assignment 2, sections 1-4): every node a number, shape ().

    s0 -w0-> x1 = w0·s0 -> s1 = σ(x1) -w1-> x2 = w1·s1 -> s2 = σ(x2) -w2-> out = w2·s2,
    E = ½(out − target)².
    Inputs: s0, target. Parameters: w0, w1, w2. Values: x1, s1, x2, s2, out. Loss: E.
    """
    return Graph([
        Node("s0", "s₀", shape="()", kind="input"),
        Node("w0", "w₀", shape="()", kind="parameter"),
        Node("x1", "x₁", ("w0", "s0"), lambda w0, s0: w0 * s0, "()", formula="x₁ = w₀·s₀"),
        Node("s1", "s₁", ("x1",), sigmoid, "()", formula="s₁ = σ(x₁)"),
        Node("w1", "w₁", shape="()", kind="parameter"),
        Node("x2", "x₂", ("w1", "s1"), lambda w1, s1: w1 * s1, "()", formula="x₂ = w₁·s₁"),
        Node("s2", "s₂", ("x2",), sigmoid, "()", formula="s₂ = σ(x₂)"),
        Node("w2", "w₂", shape="()", kind="parameter"),
        Node("out", "out", ("w2", "s2"), lambda w2, s2: w2 * s2, "()", formula="out = w₂·s₂"),
        Node("target", "target", shape="()", kind="input"),
        Node("E", "E", ("out", "target"), lambda out, target: 0.5 * (out - target) ** 2, "()", kind="loss",
             formula="E = ½(out − target)²"),
    ], title="the two-node network (lecture 003)")


def hidden_layer() -> Graph:
    """Lecture 001's hidden layer (assignment 2, sections 5-7), for a batch of n records.

    z_h = x W_ih (n, h), h = σ(z_h) (n, h), z_o = h · w_ho (n,), ŷ = σ(z_o) (n,),
    E = mean over the records of ½(y − ŷ)².
    Inputs: x (n, d) the features, y (n,) the targets. Parameters: W_ih (d, h) (the notebook's
    weights_input_hidden), w_ho (h,) (weights_hidden_output). Values: z_h, h (hidden_output),
    z_o, y_hat (output). Loss: E. The lecture's error terms are δ_o = −∂E_i/∂z_o and
    δ_h = −∂E_i/∂z_h per record; with the mean over n records, ∂E/∂z_o = −δ_o / n.
    """
    return Graph([
        Node("x", "x", shape="(n, d)", kind="input"),
        Node("W_ih", "W_ih", shape="(d, h)", kind="parameter"),
        Node("z_h", "z_h", ("x", "W_ih"), lambda x, W: x @ W, "(n, h)", formula="z_h = x W_ih"),
        Node("h", "h", ("z_h",), sigmoid, "(n, h)", formula="h = σ(z_h)"),
        Node("w_ho", "w_ho", shape="(h,)", kind="parameter"),
        Node("z_o", "z_o", ("h", "w_ho"), lambda h, w: h @ w, "(n,)", formula="z_o = h · w_ho"),
        Node("y_hat", "ŷ", ("z_o",), sigmoid, "(n,)", formula="ŷ = σ(z_o)"),
        Node("y", "y", shape="(n,)", kind="input"),
        Node("E", "E", ("y_hat", "y"), lambda y_hat, y: np.mean(0.5 * (y - y_hat) ** 2), "()", kind="loss",
             formula="E = mean ½(y − ŷ)²"),
    ], title="one hidden layer (lecture 001)")


def network_321() -> Graph:
    """Lecture 000's 3-2-1 network (assignment 3), for a batch of n records, no biases.

    z1 = X W1 (n, h), a1 = σ(z1) (n, h), z2 = a1 · w2 (n,), ŷ = exp(z2) (n,),
    L = mean over the records of (ŷ − y)².
    Inputs: X (n, d), y (n,). Parameters: W1 (d, h) (columns: the lecture's w1_1, w1_2),
    w2 (h,) (w2_1). Values: z1, a1, z2, y_hat (the names of `network_321.forward`). Loss: L.
    The lecture's δ = ∂L_i/∂z is per record: ∂L/∂z2 = δ2 / n.
    """
    return Graph([
        Node("X", "X", shape="(n, d)", kind="input"),
        Node("W1", "W₁", shape="(d, h)", kind="parameter"),
        Node("z1", "z₁", ("X", "W1"), lambda X, W1: X @ W1, "(n, h)", formula="z₁ = X W₁"),
        Node("a1", "a₁", ("z1",), sigmoid, "(n, h)", formula="a₁ = σ(z₁)"),
        Node("w2", "w₂", shape="(h,)", kind="parameter"),
        Node("z2", "z₂", ("a1", "w2"), lambda a1, w2: a1 @ w2, "(n,)", formula="z₂ = a₁ · w₂"),
        Node("y_hat", "ŷ", ("z2",), np.exp, "(n,)", formula="ŷ = exp(z₂)"),
        Node("y", "y", shape="(n,)", kind="input"),
        Node("L", "L", ("y_hat", "y"), lambda y_hat, y: np.mean((y_hat - y) ** 2), "()", kind="loss",
             formula="L = mean (ŷ − y)²"),
    ], title="the 3-2-1 network (lecture 000)")


def house_prices() -> Graph:
    """Lecture 004's house-price network (assignment 4): 2 inputs, h = 5 sigmoid units, a linear output.

    α_H = [1, x] W_hidden (n, h), β_H = σ(α_H) (n, h),
    output_inputs = [1, β_H] (n, h + 1), α_O = output_inputs · w_output (n,), ŷ = α_O (n,),
    E = ½ Σ_records (ŷ − y)².
    Inputs: x (n, 2) standardised, y (n,). Parameters: W_hidden (3, h) (row 0 the biases w1..w5,
    then x1's w6..w10, then x2's w11..w15), w_output (h + 1,) (the bias w16, then w17..w21).
    Values: alpha_h, beta_h, output_inputs, alpha_o, y_pred (the names of `house_prices.forward`, and
    the lecture's output_layer_inputs). Loss: E. The hidden layer's inputs [1, x] are data, folded into
    α_H's step: like x and y, they need no gradient.
    """
    return Graph([
        Node("x", "x", shape="(n, 2)", kind="input"),
        Node("W_hidden", "W_hidden", shape="(3, h)", kind="parameter"),
        # [1, x] is not a node of its own: it is data, like x, and no gradient is asked of it.
        Node("alpha_h", "α_H", ("x", "W_hidden"), lambda x, W: _with_bias(x) @ W, "(n, h)",
             formula="α_H = [1, x] W_hidden"),
        Node("beta_h", "β_H", ("alpha_h",), sigmoid, "(n, h)", formula="β_H = σ(α_H)"),
        Node("output_inputs", "[1, β_H]", ("beta_h",), _with_bias, "(n, h + 1)",
             formula="a column of ones, then β_H"),
        Node("w_output", "w_output", shape="(h + 1,)", kind="parameter"),
        Node("alpha_o", "α_O", ("output_inputs", "w_output"), lambda inputs, w: inputs @ w, "(n,)",
             formula="α_O = [1, β_H] · w_output"),
        Node("y_pred", "ŷ", ("alpha_o",), lambda alpha_o: alpha_o, "(n,)", formula="ŷ = α_O (a linear output)"),
        Node("y", "y", shape="(n,)", kind="input"),
        Node("E", "E", ("y_pred", "y"), lambda y_pred, y: 0.5 * np.sum((y_pred - y) ** 2), "()", kind="loss",
             formula="E = ½ Σ (ŷ − y)²"),
    ], title="the house-price network (lecture 004)")


def _softmax(z: np.ndarray) -> np.ndarray:
    # scipy's, not written out here: assignment 1 asks students for the softmax.
    from scipy.special import softmax

    return softmax(z, axis=-1)


def layered_softmax(k: int | None = None) -> Graph:
    """d inputs, h tanh hidden units, k softmax outputs, biases, mean cross-entropy (assignment 5).

    z1 = X W1 + b1 (n, h), a1 = tanh(z1) (n, h), z2 = a1 W2 + b2 (n, k), ŷ = softmax(z2) (n, k)
    (each row), L = −mean over the records of Σ_classes Y log ŷ. b1 and b2 are added to every record:
    broadcast over the batch.
    Inputs: X (n, d), Y (n, k) one-hot. Parameters: W1 (d, h), b1 (h,), W2 (h, k), b2 (k,).
    Values: z1, a1, z2, y_hat. Loss: L. `k` given: the shapes show that number instead of k.
    """
    k_ = "k" if k is None else str(k)
    return Graph([
        Node("X", "X", shape="(n, d)", kind="input"),
        Node("W1", "W₁", shape="(d, h)", kind="parameter"),
        Node("b1", "b₁", shape="(h,)", kind="parameter"),
        Node("z1", "z₁", ("X", "W1", "b1"), lambda X, W1, b1: X @ W1 + b1, "(n, h)", formula="z₁ = X W₁ + b₁"),
        Node("a1", "a₁", ("z1",), np.tanh, "(n, h)", formula="a₁ = tanh(z₁)"),
        Node("W2", "W₂", shape=f"(h, {k_})", kind="parameter"),
        Node("b2", "b₂", shape=f"({k_},)", kind="parameter"),
        Node("z2", "z₂", ("a1", "W2", "b2"), lambda a1, W2, b2: a1 @ W2 + b2, f"(n, {k_})",
             formula="z₂ = a₁ W₂ + b₂"),
        Node("y_hat", "ŷ", ("z2",), _softmax, f"(n, {k_})", formula="ŷ = softmax(z₂), each row"),
        Node("Y", "Y", shape=f"(n, {k_})", kind="input"),
        Node("L", "L", ("y_hat", "Y"), lambda y_hat, Y: -np.mean(np.sum(Y * np.log(y_hat), axis=1)), "()",
             kind="loss", formula="L = −mean Σ Y log ŷ"),
    ], title="the softmax network (assignment 5)")


ALL = {"two_node": two_node, "hidden_layer": hidden_layer, "network_321": network_321,
       "house_prices": house_prices, "layered_softmax": layered_softmax}
