"""Checkers for lesson 10 (graph convolutional networks).

Each checker runs the answer on the graphs a teacher would probe (isolated nodes, a single
node, no edges at all, edges listed either way round, feature matrices of every shape)
and on graphs drawn fresh on every call, so that a table of answers cannot pass. The
exercises ask for NumPy: networkx, Keras, TensorFlow and the course's own graph functions
are refused.
"""

import numpy as np

from course import graphs
from course.check.core import Hint, checker

ADJACENCY_SHORTCUTS = ("networkx.to_numpy_array.orig_func",
                       "networkx.adjacency_matrix.orig_func")
NORMALIZE_SHORTCUTS = ("course.graphs.normalized_adjacency", "course.graphs.degree_matrix",
                       "networkx.normalized_laplacian_matrix.orig_func")
# TensorFlow's own ops are named where their code lives: tf.nn.relu is gen_nn_ops.relu, and
# importing "tensorflow.nn" by name would swap TensorFlow's lazy module (the grade's screen
# would take that for a change made by the answer)
GCN_SHORTCUTS = ("course.graphs.GCNLayer.call", "keras.layers.Dense.call", "keras.ops.matmul",
                 "keras.ops.relu", "keras.activations.relu",
                 "tensorflow.python.ops.gen_nn_ops.relu",
                 "tensorflow.python.ops.gen_math_ops.mat_mul")
READOUT_SHORTCUTS = ("course.graphs.GraphReadout.call", "keras.layers.GlobalAveragePooling1D.call",
                     "keras.layers.Average.call", "keras.ops.mean", "keras.ops.average",
                     "tensorflow.python.ops.gen_math_ops.mean")


def _matrix(value, call, shape):
    """``value`` as a float array of ``shape``, or a Hint naming what came instead."""
    if not isinstance(value, np.ndarray):
        raise Hint(f"{call} returned a {type(value).__name__}; return a NumPy array of shape "
                   f"{shape}")
    if value.dtype.kind not in "iuf":
        raise Hint(f"{call} returned an array of {value.dtype}; return numbers (floats)")
    if value.shape != shape:
        raise Hint(f"{call} returned shape {value.shape}; expected {shape}")
    return value.astype(np.float64)


def _random_adjacency(rng, n):
    """A symmetric 0/1 adjacency without self-loops, sparse enough to have isolated nodes."""
    upper = np.triu(rng.random((n, n)) < rng.uniform(0.1, 0.6), 1)
    return (upper | upper.T).astype(np.float64)


def _test_graph():
    """A small irregular graph (degrees 1 to 4) on which the usual mistakes all differ."""
    a = np.zeros((6, 6))
    for i, j in [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (4, 5)]:
        a[[i, j], [j, i]] = 1
    return a


def _first_difference(got, expected):
    i, j = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    return int(i), int(j)


def _unchanged(given, original, what):
    if not np.array_equal(given, original):
        raise Hint(f"your function changed the {what} it was passed (an in-place `+=`, `out=` "
                   "or assignment into it): build new arrays and leave its inputs alone")


# --- 10.1 the adjacency matrix ------------------------------------------------------------


def _random_edges(rng):
    """(n, edges): a random graph, each edge listed once, either way round, in any order."""
    n = int(rng.integers(2, 13))
    pairs = [(i, j) if rng.random() < 0.5 else (j, i)
             for i in range(n) for j in range(i + 1, n) if rng.random() < 0.35]
    return n, [pairs[k] for k in rng.permutation(len(pairs))]


@checker(without=ADJACENCY_SHORTCUTS)
def adjacency_matrix(answer):
    """``answer(edges, n)``: the symmetric 0/1 adjacency matrix of an undirected graph."""
    rng = np.random.default_rng()
    edges_cases = [  # isolated nodes first and last, edges listed (j, i), no edges at all
        (5, [(0, 1), (2, 1), (2, 3), (3, 0), (0, 2)]), (4, [(1, 0), (2, 0), (3, 0)]),
        (6, [(5, 4), (4, 3), (3, 2), (2, 1), (1, 0)]), (7, [(1, 2), (3, 2), (4, 5)]),
        (4, [(3, 0), (1, 2), (0, 1), (2, 3), (0, 2), (3, 1)]), (3, []), (1, [])]
    cases = edges_cases + [_random_edges(rng) for _ in range(12)]
    for n, edges in cases:
        call = f"adjacency_matrix({edges}, n={n})"
        given = list(edges)
        got = answer(given, n)
        if given != edges:
            raise Hint(f"{call} changed the list of edges it was passed: read it, leave it as "
                       "it was")
        highest = max((max(e) for e in edges), default=-1)
        if isinstance(got, np.ndarray) and got.shape != (n, n) and got.shape == (
                highest + 1,) * 2:
            raise Hint(f"{call} returned shape {got.shape}: you sized the matrix from the "
                       f"edges, but node {n - 1} has no edge and still has a row and a "
                       f"column: the graph has n={n} nodes")
        if isinstance(got, np.ndarray) and got.dtype == bool:
            raise Hint(f"{call} returned a boolean matrix; the adjacency holds the numbers 1 "
                       "(an edge) and 0 (none), which the GCN adds to and multiplies")
        if isinstance(got, np.ndarray) and got.shape != (n, n):
            raise Hint(f"{call} has shape {got.shape}; a graph with {n} nodes has an {n}x{n} "
                       "adjacency matrix (one row and one column per node)")
        got = _matrix(got, call, (n, n))
        expected = np.zeros((n, n))
        for i, j in edges:
            expected[[i, j], [j, i]] = 1
        if np.array_equal(got, expected):
            continue
        if np.diag(got).any():
            i = int(np.flatnonzero(np.diag(got))[0])
            raise Hint(f"{call}: A[{i}, {i}] = {got[i, i]:g}, but no edge joins node {i} to "
                       "itself. Keep the diagonal 0 here; the GCN adds the self-loops later "
                       "(Â = A + I)")
        if not np.array_equal(got, got.T):
            i, j = _first_difference(got, got.T)
            raise Hint(f"{call}: A[{i}, {j}] = {got[i, j]:g} but A[{j}, {i}] = {got[j, i]:g}. "
                       "The graph is undirected: an edge joins i to j and j to i, whichever "
                       "way round it is listed")
        i, j = _first_difference(got, expected)
        joined = "an edge joins" if expected[i, j] else "no edge joins"
        raise Hint(f"{call}: A[{i}, {j}] = {got[i, j]:g}, but {joined} nodes {i} and {j}; "
                   "an entry is 1 for an edge and 0 otherwise")
    return (f"right on {len(cases)} graphs ({len(edges_cases)} edge cases: isolated nodes, "
            "edges listed either way round, no edges, one node; the rest drawn at random)")


# --- 10.2 the normalized adjacency --------------------------------------------------------


def _normalize_hint(got, a):
    """The likely mistake behind a wrong normalized adjacency ``got`` of ``a``."""
    eye = np.eye(len(a))
    a_hat = a + eye
    d_hat, d = a_hat.sum(axis=1), a.sum(axis=1)
    if len(a) > 1 and not np.any(got * (1 - eye)) and np.any(a):
        return ("your matrix is diagonal: `*` multiplies entry by entry. Multiply the "
                "matrices with `@` (or np.matmul)")
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            (a / np.sqrt(np.outer(d, d)),
             "you forgot the self-loops: Â = A + I, so that each node keeps its own features"),
            (a_hat / np.sqrt(np.outer(d, d)),
             "you added the self-loops but took the degrees of A: use the degrees of Â = A + I "
             "(each node also counts itself)"),
            (a_hat / d_hat[:, None],
             "that is D̂^-1 Â, a row average: it is not symmetric. The GCN uses D̂^-1/2 on both "
             "sides"),
            (a_hat / np.outer(d_hat, d_hat),
             "you used D̂^-1 instead of D̂^-1/2 on both sides: take the square root of the "
             "degrees"),
            (a_hat / np.sqrt(d_hat)[:, None],
             "you multiplied by D̂^-1/2 on the left only: it belongs on both sides"),
            (a_hat / np.sqrt(d_hat)[None, :],
             "you multiplied by D̂^-1/2 on the right only: it belongs on both sides"),
            (a_hat * np.sqrt(np.outer(d_hat, d_hat)),
             "you multiplied by D̂^+1/2: the exponent is -1/2 (divide by the square roots)"),
        ]
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, atol=1e-5):
            return hint
    expected = a_hat / np.sqrt(np.outer(d_hat, d_hat))
    i, j = _first_difference(got, expected)
    return (f"entry [{i}, {j}] is {got[i, j]:.4f}, which is off; node {i} has degree "
            f"{d[i]:g} in A. Check Â = A + I, its degrees, and D̂^-1/2 on both sides")


def _not_finite_hint(got, a):
    bad = ~np.isfinite(got)
    lonely = a.sum(axis=1) == 0
    if lonely.any() and not (bad & ~(lonely[:, None] | lonely[None, :])).any():
        i = int(np.flatnonzero(lonely)[0])
        return (f"your matrix holds inf or nan in the row and column of node {i}, which has "
                "no edge: its degree in A is 0, and 0 ** -1/2 is infinite. Take the degrees "
                "of Â = A + I, where every node counts itself")
    return ("your matrix contains inf or nan: raising the whole degree matrix to the power "
            "-1/2 also divides by its zeros off the diagonal. Take the power of the degree "
            "vector, then make it diagonal (np.diag)")


@checker(without=NORMALIZE_SHORTCUTS)
def normalize_adjacency(answer):
    """``answer(A)``: the GCN propagation matrix D̂^-1/2 (A + I) D̂^-1/2."""
    rng = np.random.default_rng()
    isolated = _test_graph()
    isolated[4:, :] = isolated[:, 4:] = 0  # nodes 4 and 5 lose their edges
    edges_cases = [_test_graph(), isolated, np.zeros((1, 1)), np.zeros((3, 3)),
                   np.ones((4, 4)) - np.eye(4), _random_adjacency(rng, 5).astype(np.float32)]
    cases = edges_cases + [_random_adjacency(rng, int(rng.integers(2, 13))) for _ in range(10)]
    for a in cases:
        n = len(a)
        given = a.copy()
        got = answer(given)
        _unchanged(given, a, "matrix A")
        got = _matrix(got, f"normalize_adjacency(A) for a {n}-node graph", (n, n))
        if not np.all(np.isfinite(got)):
            raise Hint(_not_finite_hint(got, a))
        a_hat = a + np.eye(n)
        d_hat = a_hat.sum(axis=1)
        if not np.allclose(got, a_hat / np.sqrt(np.outer(d_hat, d_hat)), atol=1e-5):
            raise Hint(f"on a {n}-node graph: {_normalize_hint(got, a.astype(np.float64))}")
    return (f"D̂^-1/2 (A + I) D̂^-1/2 on {len(cases)} graphs ({len(edges_cases)} edge cases: "
            "isolated nodes, one node, no edges, a complete graph, float32; the rest drawn at "
            "random), A left unchanged")


# --- 10.3 one GCN layer -------------------------------------------------------------------


@checker(without=GCN_SHORTCUTS)
def gcn_step(answer):
    """``answer(A_norm, H, W)``: one GCN layer with ReLU, relu(A_norm @ H @ W)."""
    rng = np.random.default_rng()
    # (adjacency, features in, features out): every shape differs, all equal, one feature,
    # one output, one node, isolated nodes
    edge_cases = [(_test_graph(), 3, 2), (_random_adjacency(rng, 5), 5, 5),
                  (_random_adjacency(rng, 4), 1, 3), (_random_adjacency(rng, 7), 3, 1),
                  (np.zeros((1, 1)), 2, 2), (np.zeros((3, 3)), 4, 2)]
    cases = edge_cases + [(_random_adjacency(rng, int(rng.integers(2, 11))),
                           int(rng.integers(1, 7)), int(rng.integers(1, 6))) for _ in range(10)]
    for a, f, k in cases:
        n = len(a)
        a_norm = graphs.normalized_adjacency(a, dtype="float64")
        h, w = rng.standard_normal((n, f)), rng.standard_normal((f, k))
        given = a_norm.copy(), h.copy(), w.copy()
        case = f"A_norm {n}x{n}, H of shape ({n}, {f}) and W of shape ({f}, {k})"
        got = answer(*given)
        for array, original, what in zip(given, (a_norm, h, w), ("A_norm", "H", "W"),
                                          strict=True):
            _unchanged(array, original, what)
        if isinstance(got, np.ndarray) and got.shape == (k, n) != (n, k):
            raise Hint(f"for {case} you returned shape {got.shape}, nodes along the columns: "
                       f"the layer gives each node (a row) {k} new features, shape ({n}, {k})")
        got = _matrix(got, f"gcn_step for {case}", (n, k))
        expected = np.maximum(a_norm @ h @ w, 0)
        if np.allclose(got, expected, atol=1e-6):
            continue
        if np.allclose(got, a_norm @ h @ w, atol=1e-6):
            raise Hint(f"for {case} some values are negative: the layer ends with a ReLU")
        if np.allclose(got, np.maximum(h @ w, 0), atol=1e-6):
            raise Hint(f"for {case} each node only used its own features: multiply by A_norm "
                       "to mix in its neighbours' features")
        if np.allclose(got, a_norm @ np.maximum(h @ w, 0), atol=1e-6) or np.allclose(
                got, a_norm @ np.maximum(h, 0) @ w, atol=1e-6):
            raise Hint(f"for {case} you applied the ReLU before mixing with A_norm: the ReLU "
                       "comes last, on the mixed and transformed features")
        i, j = _first_difference(got, expected)
        raise Hint(f"for {case}, node {i}'s feature {j} is {got[i, j]:.4f}, which is off: "
                   "the layer is relu(A_norm @ H @ W), matrix products in that order")
    return (f"relu(A_norm H W) on {len(cases)} graphs ({len(edge_cases)} edge cases: one node, "
            "one feature, square shapes, isolated nodes; the rest drawn at random), inputs "
            "left unchanged")


# --- 10.4 the mean readout ----------------------------------------------------------------


@checker(without=READOUT_SHORTCUTS)
def mean_readout(answer):
    """``answer(H)``: the mean of the node features, one value per feature."""
    rng = np.random.default_rng()
    shapes = [(7, 3), (1, 4), (5, 5), (6, 1), (2, 6)]  # one node, square, one feature
    cases = shapes + [(int(rng.integers(1, 13)), int(rng.integers(1, 9))) for _ in range(10)]
    for n, f in cases:
        h = rng.standard_normal((n, f)) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
        given = h.copy()
        case = f"H of shape ({n}, {f})"
        got = answer(given)
        _unchanged(given, h, "feature matrix H")
        if isinstance(got, int | float) or isinstance(got, np.ndarray) and got.shape == ():
            raise Hint(f"for {case} you returned one number: average over the nodes only, "
                       "keeping one value per feature")
        if isinstance(got, np.ndarray) and got.shape != (f,):
            if got.shape == (n,):
                raise Hint(f"for {case} you returned one value per node ({n}); average over "
                           "the nodes (axis 0) to get one value per feature")
            if got.size == f:
                raise Hint(f"for {case} you returned shape {got.shape}; return a flat vector "
                           f"of shape ({f},)")
        got = _matrix(got, f"mean_readout for {case}", (f,))
        expected = h.mean(axis=0)
        if np.allclose(got, expected, atol=1e-6):
            order = rng.permutation(n)
            again = _matrix(answer(h[order]), f"mean_readout for {case}", (f,))
            if not np.allclose(again, expected, atol=1e-6):
                raise Hint("the result changes when the nodes are listed in another order; a "
                           "readout must not depend on the order")
            continue
        if n > 1 and n == f and np.allclose(got, h.mean(axis=1), atol=1e-6):
            raise Hint(f"for {case} you averaged each node's features (axis 1); average each "
                       "feature over the nodes (axis 0)")
        if n > 1 and np.allclose(got, h.sum(axis=0), atol=1e-6):
            raise Hint(f"for {case}: that is the sum readout; the mean also divides by the "
                       "number of nodes")
        if n > 1 and np.allclose(got, h.max(axis=0), atol=1e-6):
            raise Hint(f"for {case}: that is the max readout; take the mean over the nodes")
        raise Hint(f"for {case} the values are off: the mean readout averages each feature "
                   "over all the nodes")
    return (f"one value per feature on {len(cases)} feature matrices (one node, one feature "
            "and square ones among them, the rest drawn at random), the same whatever the "
            "order of the nodes")


# --- 10.5 how far a change reaches -------------------------------------------------------

# the graph of exercise 10.5: a ring 2-3-4-5-9-8 with tails 0-1-2 and 5-6-7
REACH_EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (2, 8), (8, 9), (5, 9)]
REACH_NODES, REACH_SOURCE, REACH_LAYERS = 10, 3, 2


def _node_set(value):
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise Hint(f"predicted_changed is {type(value).__name__}; assign a list of node "
                   "numbers, e.g. [0, 1]")
    nodes = []
    for v in np.asarray(list(value), dtype=object).ravel():
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise Hint(f"predicted_changed holds {v!r:.40}; list node numbers (ints), e.g. "
                       "[0, 1]")
        if not 0 <= v < REACH_NODES:
            raise Hint(f"the graph has nodes 0 to {REACH_NODES - 1}; there is no node {v}")
        nodes.append(int(v))
    return set(nodes)


@checker(prediction=True, tries=3)
def gcn_reach(answer):
    """``answer``: the nodes whose outputs change after two GCN layers when node 3's
    features change."""
    got = _node_set(answer)
    hops, frontier = {REACH_SOURCE: 0}, {REACH_SOURCE}  # breadth-first from the source
    while frontier:
        frontier = {w for e in REACH_EDGES for v, w in (e, e[::-1]) if v in frontier} - set(hops)
        hops.update(dict.fromkeys(frontier, max(hops.values()) + 1))
    within = {k: {v for v, d in hops.items() if d <= k} for k in range(REACH_NODES)}
    expected = within[REACH_LAYERS]
    if got == expected:
        return (f"the {len(expected)} nodes within {REACH_LAYERS} hops of node "
                f"{REACH_SOURCE}: each layer carries a change one hop further")
    mistakes = [
        ({v for v, d in hops.items() if d == REACH_LAYERS},
         "you kept only the farthest nodes the change reaches. Each layer mixes a node with "
         f"its neighbours *and itself* (Â = A + I), so nodes nearer to node {REACH_SOURCE} "
         "change too"),
        (within[1], "that is the reach of one layer; the network has two, and the second "
                    "passes on what the first changed"),
        (within[1] - {REACH_SOURCE}, f"those are node {REACH_SOURCE}'s neighbours. Node "
                                     f"{REACH_SOURCE}'s own output changes too (Â = A + I), "
                                     "and the network has two layers, not one"),
        (expected - {REACH_SOURCE}, f"node {REACH_SOURCE} itself is missing: its own output "
                                    "changes, through its self-loop (Â = A + I)"),
        (within[3], "that is the reach of three layers; the network has two"),
        (set(range(REACH_NODES)), "not every node: one layer only mixes each node with its "
                                  "neighbours, so a change needs one layer per edge it "
                                  "crosses"),
    ]
    for wrong, hint in mistakes:
        if got == wrong:
            raise Hint(hint)
    if got < expected:
        raise Hint(f"some nodes the change reaches are missing: for every node, count the "
                   f"edges a change at node {REACH_SOURCE} has to cross to get there, one "
                   "per layer")
    if got > expected:
        raise Hint("some of your nodes are out of reach: a change crosses one edge per "
                   "layer, and the network has two")
    raise Hint(f"your list misses nodes the change reaches and has nodes out of its reach: "
               f"count, for each node, the edges between it and node {REACH_SOURCE}")
