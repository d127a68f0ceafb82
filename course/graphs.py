"""Graphs as matrices and the graph convolutional network (GCN). Introduced in lesson 10.

A graph with ``n`` nodes is an ``(n, n)`` adjacency matrix ``A`` plus an ``(n, f)``
matrix of node features ``H``. One GCN layer (Kipf and Welling, 2017) computes

    H' = activation(D^-1/2 (A + I) D^-1/2 H W)

where ``D`` is the degree matrix of ``A + I``: every node averages its own and its
neighbours' features (weighted by ``1 / sqrt(deg_i * deg_j)``) and one weight matrix
``W``, shared by all nodes, maps them to new features. A readout pools the node
features into one vector per graph for graph-level prediction.

Dense matrices throughout: the course's graphs have tens of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

READOUTS = ("mean", "sum", "max")


def _square(adjacency, name: str = "adjacency") -> np.ndarray:
    """``adjacency`` as a float array, after checking it is a valid weighted adjacency."""
    a = np.asarray(adjacency, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix, one row and one column per "
                         f"node; got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite entries; edge weights must be finite")
    if np.any(a < 0):
        i, j = np.argwhere(a < 0)[0]
        raise ValueError(f"{name}[{i}, {j}] = {a[i, j]:g} is negative; the symmetric "
                         "normalization needs non-negative edge weights (degrees are sums of "
                         "weights and their square roots must exist)")
    return a


def degree_matrix(adjacency) -> np.ndarray:
    """The diagonal matrix of node degrees (row sums of ``adjacency``).

    >>> degree_matrix([[0, 1], [1, 0]]).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return np.diag(_square(adjacency).sum(axis=1))


def normalized_adjacency(adjacency, self_loops: bool = True, dtype="float32") -> np.ndarray:
    """The GCN propagation matrix ``D^-1/2 (A + I) D^-1/2`` (NumPy).

    ``self_loops=False`` normalizes ``A`` itself; a node with degree 0 then gets a zero
    row and column instead of a division by zero. Raises ``ValueError`` for a matrix that
    is not square, not finite or has negative weights.
    """
    a = _square(adjacency)
    if self_loops:
        a = a + np.eye(len(a))
    degree = a.sum(axis=1)
    inv_sqrt = np.zeros_like(degree)
    np.divide(1.0, np.sqrt(degree), out=inv_sqrt, where=degree > 0)
    return (inv_sqrt[:, None] * a * inv_sqrt[None, :]).astype(dtype)


def check_graph_shapes(features_shape, adjacency_shape) -> None:
    """Raise ``ValueError`` unless features ``(..., n, f)`` fit an adjacency ``(..., n, n)``.

    Unknown (``None``) sizes pass, so symbolic Keras shapes can be checked too.
    """
    fs, adj = tuple(features_shape), tuple(adjacency_shape)
    if len(fs) < 2:
        raise ValueError(f"node features must have shape (n_nodes, n_features), or with a "
                         f"leading batch axis (batch, n_nodes, n_features); got {fs}")
    if len(adj) < 2:
        raise ValueError(f"the adjacency must have shape (n_nodes, n_nodes), or (batch, "
                         f"n_nodes, n_nodes); got {adj}")
    if None not in adj[-2:] and adj[-1] != adj[-2]:
        raise ValueError(f"the adjacency must be square (n_nodes, n_nodes); got {adj}")
    n_adj, n_feat = adj[-1], fs[-2]
    if None not in (n_adj, n_feat) and n_adj != n_feat:
        raise ValueError(f"the features have {n_feat} rows but the adjacency has {n_adj} "
                         f"nodes: one feature row per node (features {fs}, adjacency {adj})")


# >>> from notebooks/10_graph_convolution.ipynb: edit the lesson, then `python -m course export`

class GCNLayer(keras.layers.Layer):
    """One graph convolution: ``activation(A_norm @ H @ W + b)``.

    Called on ``(features, a_norm)``: node features ``(n, f)`` or ``(batch, n, f)`` and
    the normalized adjacency ``(n, n)`` or ``(batch, n, n)`` from
    :func:`normalized_adjacency`. Returns ``(..., n, units)``. The weights ``W`` (f x units)
    are shared by every node, as a convolution kernel is shared by every pixel, so the
    layer works on graphs of any size.
    """

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ValueError(f"units must be a positive number of output features; got {units}")
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        features_shape, adjacency_shape = input_shape
        check_graph_shapes(features_shape, adjacency_shape)
        if features_shape[-1] is None:
            raise ValueError("the number of node features (last axis) must be known to build "
                             "the layer")
        self.kernel = self.add_weight(shape=(features_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                     if self.use_bias else None)

    def call(self, inputs):
        features, a_norm = inputs
        check_graph_shapes(features.shape, a_norm.shape)
        messages = keras.ops.matmul(features, self.kernel)  # transform every node: H W
        out = keras.ops.matmul(a_norm, messages)  # mix each node with its neighbours
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation)}


def label_propagation(adjacency, known, known_labels, steps=1000):
    """Every node's class from the edges alone and the classes of the ``known`` nodes.

    Each node holds a score per class: equal scores to start with, the one-hot class for a
    known node. At every step each node takes the average of its neighbours' scores (a node
    without edges keeps its own) and the known nodes are reset. Returns the class with the
    highest score, for every node.
    """
    adjacency = np.asarray(adjacency, dtype=np.float64)
    one_hot = np.eye(int(np.max(known_labels)) + 1)[known_labels]
    scores = np.full((len(adjacency), one_hot.shape[1]), 1 / one_hot.shape[1])
    degree = adjacency.sum(axis=1, keepdims=True)
    for _ in range(steps):
        scores = np.where(degree > 0, adjacency @ scores / np.maximum(degree, 1), scores)
        scores[known] = one_hot
    return scores.argmax(axis=1)


def contextual_sbm(n_per_class=150, n_classes=2, p_in=0.06, p_out=0.03, n_features=16,
                   signal=1.5, seed=0):
    """A contextual stochastic block model: a random graph with classes, and node features.

    Two nodes of the same class are joined with probability ``p_in``, of different classes
    with ``p_out``. A node's features are its class's mean plus standard Gaussian noise; the
    class means point in orthogonal directions, ``signal`` apart. Returns ``features``
    (n, n_features) float32, ``adjacency`` (n, n) float32 (0/1, symmetric, no self-loops)
    and ``labels`` (n,) int, the nodes in class order.
    """
    if n_per_class < 1 or not 2 <= n_classes <= n_features:
        raise ValueError(f"need n_per_class >= 1 and 2 <= n_classes <= n_features (one "
                         f"orthogonal mean per class); got n_per_class={n_per_class}, "
                         f"n_classes={n_classes}, n_features={n_features}")
    if not (0 <= p_in <= 1 and 0 <= p_out <= 1) or signal < 0:
        raise ValueError(f"p_in and p_out are probabilities in [0, 1] and signal >= 0; got "
                         f"p_in={p_in}, p_out={p_out}, signal={signal}")
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    same_class = labels[:, None] == labels[None, :]
    coins = rng.random((len(labels), len(labels))) < np.where(same_class, p_in, p_out)
    upper = np.triu(coins, k=1)  # one coin per pair of nodes, none for a node and itself
    adjacency = (upper | upper.T).astype(np.float32)
    directions, _ = np.linalg.qr(rng.standard_normal((n_features, n_classes)))
    means = signal / np.sqrt(2) * directions.T  # unit directions, so the means are `signal` apart
    features = means[labels] + rng.standard_normal((len(labels), n_features))
    return features.astype(np.float32), adjacency, labels

# <<< end of notebooks/10_graph_convolution.ipynb

GCNLayer = keras.saving.register_keras_serializable(package="course")(GCNLayer)


@keras.saving.register_keras_serializable(package="course")
class GraphReadout(keras.layers.Layer):
    """Pool node features ``(..., n, f)`` into one vector per graph ``(..., f)``.

    ``mode`` is ``"mean"``, ``"sum"`` or ``"max"``. All three ignore the order of the
    nodes (permutation invariant), which a graph-level prediction must.
    """

    def __init__(self, mode: str = "mean", **kwargs):
        super().__init__(**kwargs)
        if mode not in READOUTS:
            raise ValueError(f"readout mode {mode!r} is not one of {', '.join(READOUTS)}")
        self.mode = mode

    def call(self, features):
        if len(features.shape) < 2:
            raise ValueError(f"a readout pools node features of shape (n_nodes, n_features) "
                             f"or (batch, n_nodes, n_features); got {tuple(features.shape)}")
        reduce = {"mean": keras.ops.mean, "sum": keras.ops.sum, "max": keras.ops.max}[self.mode]
        return reduce(features, axis=-2)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-2], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@dataclass(frozen=True)
class KarateClub:
    """Zachary's karate club as arrays: 34 members, 78 friendships, two factions."""

    graph: object  # the networkx graph
    adjacency: np.ndarray  # (34, 34) float32, 0/1, symmetric, no self-loops
    labels: np.ndarray  # (34,) int: 0 = "Mr. Hi" (the instructor), 1 = "Officer"
    classes: tuple[str, str]


def karate_club() -> KarateClub:
    """Zachary's karate club (ships with networkx), labelled by the faction members joined.

    The adjacency is unweighted: networkx also stores how many contexts two members met
    in as a ``weight``, which the classic GCN experiment does not use.
    """
    import networkx as nx

    graph = nx.karate_club_graph()
    nodes = sorted(graph.nodes)
    classes = ("Mr. Hi", "Officer")
    adjacency = nx.to_numpy_array(graph, nodelist=nodes, weight=None, dtype=np.float32)
    labels = np.array([classes.index(graph.nodes[v]["club"]) for v in nodes])
    return KarateClub(graph, adjacency, labels, classes)


def community_graphs(count: int, n_nodes: int = 16, p_in: float = 0.4, p_out: float = 0.05,
                     noise: float = 0.7, seed: int = 0):
    """A seeded, balanced set of random graphs: with two communities (label 1) or without (0).

    Every graph has ``n_nodes`` nodes in two halves; a node's one feature is +1 in the
    first half and -1 in the second, plus Gaussian noise of std ``noise``. Label 1: a
    stochastic block model, edges inside a half with probability ``p_in`` and across with
    ``p_out`` (like-minded nodes cluster). Label 0: every pair with the same probability,
    chosen so that both classes have the same expected number of edges. The nodes of each
    graph are shuffled, so position says nothing. Node by node the classes look the same:
    only how the features sit on the edges tells them apart.

    Returns ``features`` (count, n, 1), ``adjacency`` (count, n, n) 0/1, both float32,
    and ``labels`` (count,) int.
    """
    import networkx as nx

    if count < 1 or n_nodes < 4 or n_nodes % 2:
        raise ValueError(f"need count >= 1 and an even n_nodes >= 4; got count={count}, "
                         f"n_nodes={n_nodes}")
    if not (0 <= p_out <= 1 and 0 <= p_in <= 1) or noise < 0:
        raise ValueError(f"p_in and p_out are probabilities in [0, 1] and noise >= 0; got "
                         f"p_in={p_in}, p_out={p_out}, noise={noise}")
    rng = np.random.default_rng(seed)
    half = n_nodes // 2
    pairs_in, pairs_out = half * (half - 1), half * half  # both halves, and across
    p_flat = (p_in * pairs_in + p_out * pairs_out) / (pairs_in + pairs_out)
    labels = rng.permutation(np.arange(count) % 2)
    features = np.empty((count, n_nodes, 1), np.float32)
    adjacency = np.empty((count, n_nodes, n_nodes), np.float32)
    for i, label in enumerate(labels):
        p = [[p_in, p_out], [p_out, p_in]] if label else [[p_flat] * 2] * 2
        graph = nx.stochastic_block_model([half, half], p, seed=int(rng.integers(2**31)))
        a = nx.to_numpy_array(graph, nodelist=range(n_nodes), dtype=np.float32)
        x = np.repeat([1.0, -1.0], half) + noise * rng.standard_normal(n_nodes)
        order = rng.permutation(n_nodes)
        features[i, :, 0] = x[order]
        adjacency[i] = a[np.ix_(order, order)]
    return features, adjacency, labels
