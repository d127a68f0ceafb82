"""Checkers for lesson 10 (graph convolutional networks)."""

import numpy as np

from course.check.core import Hint, checker

# (n, edges): a square with a diagonal and an isolated node; a star; a path
EDGE_CASES = [
    (5, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]),
    (4, [(0, 1), (0, 2), (0, 3)]),
    (6, [(5, 4), (4, 3), (3, 2), (2, 1), (1, 0)]),
]


def _adjacency(n, edges):
    a = np.zeros((n, n))
    for i, j in edges:
        a[i, j] = a[j, i] = 1
    return a


def _array(value, what):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Hint(f"{what} returned {type(value).__name__}, which is not a matrix of numbers; "
                   "return a NumPy array") from None


def _test_graph():
    """A small irregular graph (degrees 1 to 4) on which the usual mistakes all differ."""
    return _adjacency(6, [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (4, 5)])


def _first_difference(got, expected):
    i, j = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    return int(i), int(j)


@checker
def adjacency_matrix(answer):
    """``answer(edges, n)``: the symmetric 0/1 adjacency matrix of an undirected graph."""
    for n, edges in EDGE_CASES:
        call = f"adjacency_matrix({edges}, n={n})"
        got = _array(answer(list(edges), n), call)
        expected = _adjacency(n, edges)
        if got.shape != expected.shape:
            raise Hint(f"{call} has shape {got.shape}; a graph with {n} nodes has an {n}x{n} "
                       "adjacency matrix (one row and one column per node)")
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
                       "The graph is undirected: an edge (i, j) sets both A[i, j] and A[j, i]")
        i, j = _first_difference(got, expected)
        joined = "an edge joins" if expected[i, j] else "no edge joins"
        raise Hint(f"{call}: A[{i}, {j}] = {got[i, j]:g}, but {joined} nodes {i} and {j}; "
                   "an entry is 1 for an edge and 0 otherwise")
    return f"right on {len(EDGE_CASES)} graphs (a square with a diagonal, a star, a path)"


@checker(without=("course.graphs.normalized_adjacency",))
def normalize_adjacency(answer):
    """``answer(A)``: the GCN propagation matrix D̂^-1/2 (A + I) D̂^-1/2."""
    a = _test_graph()
    given = a.copy()
    got = _array(answer(given), "normalize_adjacency(A)")
    if not np.array_equal(given, a):
        raise Hint("your function changed the matrix A that was passed in (e.g. `A += I`); "
                   "build Â = A + I as a new matrix and leave A alone")
    if got.shape != a.shape:
        raise Hint(f"for a 6-node graph you returned shape {got.shape}; the normalized "
                   "adjacency has the same shape as A (6, 6)")
    if not np.all(np.isfinite(got)):
        raise Hint("your matrix contains inf or nan: raising the whole degree matrix to the "
                   "power -1/2 also divides by its zeros off the diagonal. Take the power of "
                   "the degree vector, then make it diagonal (np.diag)")
    eye = np.eye(len(a))
    a_hat = a + eye
    d_hat, d = a_hat.sum(axis=1), a.sum(axis=1)
    expected = a_hat / np.sqrt(np.outer(d_hat, d_hat))
    if np.allclose(got, expected, atol=1e-5):
        return "D̂^-1/2 (A + I) D̂^-1/2 on a 6-node graph with degrees 1 to 4"
    if not np.any(got * (1 - eye)):
        raise Hint("your matrix is diagonal: `*` multiplies entry by entry. Multiply the "
                   "matrices with `@` (or np.matmul)")
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
         "you used D̂^-1 instead of D̂^-1/2 on both sides: take the square root of the degrees"),
        (a_hat / np.sqrt(d_hat)[:, None],
         "you multiplied by D̂^-1/2 on the left only: it belongs on both sides, "
         "D̂^-1/2 Â D̂^-1/2"),
        (a_hat / np.sqrt(d_hat)[None, :],
         "you multiplied by D̂^-1/2 on the right only: it belongs on both sides, "
         "D̂^-1/2 Â D̂^-1/2"),
        (a_hat * np.sqrt(np.outer(d_hat, d_hat)),
         "you multiplied by D̂^+1/2: the exponent is -1/2 (divide by the square roots)"),
    ]
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, atol=1e-5):
            raise Hint(hint)
    i, j = _first_difference(got, expected)
    raise Hint(f"entry [{i}, {j}] is {got[i, j]:.4f}, which is off; node {i} has degree "
               f"{d[i]:g} in A. Check Â = A + I, its degrees, and D̂^-1/2 on both sides")


@checker(without=("course.graphs.GCNLayer.call",))
def gcn_step(answer):
    """``answer(A_norm, H, W)``: one GCN layer with ReLU, relu(A_norm @ H @ W)."""
    from course.graphs import normalized_adjacency

    rng = np.random.default_rng(10)
    a_norm = normalized_adjacency(_test_graph(), dtype="float64")
    h = rng.standard_normal((6, 3))  # 6 nodes, 3 features in, 2 out: every shape differs
    w = rng.standard_normal((3, 2))
    got = _array(answer(a_norm, h, w), "gcn_step(A_norm, H, W)")
    if got.shape != (6, 2):
        raise Hint(f"for 6 nodes with 3 features and W of shape (3, 2) you returned shape "
                   f"{got.shape}; the layer gives every node 2 new features: (6, 2)")
    expected = np.maximum(a_norm @ h @ w, 0)
    if np.allclose(got, expected, atol=1e-5):
        return "relu(A_norm H W) on a 6-node graph, 3 features in, 2 out"
    if np.allclose(got, a_norm @ h @ w, atol=1e-5):
        raise Hint("some values are negative: apply the ReLU, np.maximum(..., 0), at the end")
    if np.allclose(got, np.maximum(h @ w, 0), atol=1e-5):
        raise Hint("each node only used its own features: multiply by A_norm to mix in its "
                   "neighbours' features")
    if np.allclose(got, a_norm @ np.maximum(h @ w, 0), atol=1e-5):
        raise Hint("you applied the ReLU before mixing with A_norm: the ReLU comes last, "
                   "relu(A_norm @ H @ W)")
    i, j = _first_difference(got, expected)
    raise Hint(f"node {i}, feature {j} is {got[i, j]:.4f}, which is off: the layer is "
               "relu(A_norm @ H @ W), matrix products in that order")


@checker(without=("course.graphs.GraphReadout.call",))
def mean_readout(answer):
    """``answer(H)``: the mean of the node features, one value per feature."""
    rng = np.random.default_rng(11)
    h = rng.standard_normal((7, 3)) + 1  # 7 nodes, 3 features
    got = _array(answer(h.copy()), "mean_readout(H)")
    expected = h.mean(axis=0)
    if got.shape == (7,) and np.allclose(got, h.mean(axis=1)):
        raise Hint("you averaged each node's features (axis 1) and got one value per node; "
                   "average over the nodes (axis 0) to get one value per feature")
    if got.shape == ():
        raise Hint("you returned one number: average over the nodes only (axis 0), keeping "
                   "one value per feature")
    if got.shape != expected.shape:
        raise Hint(f"for H of shape (7, 3) you returned shape {got.shape}; the readout is one "
                   "vector for the whole graph, one value per feature: (3,)")
    if np.allclose(got, expected, atol=1e-6):
        if not np.allclose(_array(answer(h[::-1].copy()), "mean_readout(H)"), expected):
            raise Hint("the result changes when the nodes are listed in another order; a "
                       "readout must not depend on the order")
        return "one value per feature, the same whatever the order of the nodes"
    if np.allclose(got, h.sum(axis=0)):
        raise Hint("that is the sum readout: divide by the number of nodes for the mean")
    if np.allclose(got, h.max(axis=0)):
        raise Hint("that is the max readout: take the mean over the nodes")
    raise Hint("the values are off: the mean readout averages each feature over the nodes")


# --- 10.5 how far a change reaches -------------------------------------------------------

# the graph of exercise 10.5: a ring 2-3-4-5-9-8 with tails 0-1-2 and 5-6-7
REACH_EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (2, 8), (8, 9), (5, 9)]
REACH_NODES, REACH_SOURCE, REACH_LAYERS = 10, 3, 2


def _hops_from(source, n=REACH_NODES, edges=REACH_EDGES):
    """Each node's distance in hops from ``source`` (breadth-first)."""
    neighbours = {v: set() for v in range(n)}
    for i, j in edges:
        neighbours[i].add(j)
        neighbours[j].add(i)
    hops, frontier = {source: 0}, [source]
    while frontier:
        reached = sorted({w for v in frontier for w in neighbours[v]} - hops.keys())
        hops.update((w, hops[frontier[0]] + 1) for w in reached)
        frontier = reached
    return hops


def _node_set(value):
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise Hint(f"predicted_changed is {type(value).__name__}; assign a list of node "
                   "numbers, e.g. [0, 1]")
    nodes = []
    for v in np.asarray(list(value), dtype=object).ravel():
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise Hint(f"predicted_changed holds {v!r}; list node numbers (ints), e.g. [0, 1]")
        if not 0 <= v < REACH_NODES:
            raise Hint(f"the graph has nodes 0 to {REACH_NODES - 1}; there is no node {v}")
        nodes.append(int(v))
    return set(nodes)


@checker(prediction=True)
def gcn_reach(answer):
    """``answer``: the nodes whose outputs change after two GCN layers when node 3's
    features change: those within two hops of it, node 3 included."""
    got = _node_set(answer)
    hops = _hops_from(REACH_SOURCE)
    within = {k: {v for v, d in hops.items() if d <= k} for k in range(REACH_NODES)}
    expected = within[REACH_LAYERS]
    if got == expected:
        return (f"the {len(expected)} nodes within {REACH_LAYERS} hops of node "
                f"{REACH_SOURCE}: each layer carries a change one hop further")
    exactly = {v for v, d in hops.items() if d == REACH_LAYERS}
    mistakes = [
        (exactly, f"you kept only the nodes exactly {REACH_LAYERS} hops away. Each layer "
                  "mixes a node with its neighbours *and itself* (Â = A + I), so the nodes "
                  f"nearer to node {REACH_SOURCE} change too"),
        (within[1], "that is the reach of one layer: each layer carries the change one hop "
                    "further, and there are two"),
        (within[1] - {REACH_SOURCE}, f"those are node {REACH_SOURCE}'s neighbours, one "
                                     "layer's reach; with two layers the change travels two "
                                     f"hops, and node {REACH_SOURCE}'s own output changes "
                                     "too"),
        (expected - {REACH_SOURCE}, f"node {REACH_SOURCE} itself is missing: its own output "
                                    "changes, through its self-loop (Â = A + I)"),
        (within[3], "that is the reach of three layers; there are two, and each carries the "
                    "change one hop"),
        (set(range(REACH_NODES)), "not every node: one layer only mixes each node with its "
                                  "neighbours, so a change moves one hop per layer"),
    ]
    for wrong, hint in mistakes:
        if got == wrong:
            raise Hint(hint)
    missing, extra = sorted(expected - got), sorted(got - expected)
    if missing:
        raise Hint(f"you left out node {missing[0]}: count the hops from node {REACH_SOURCE} "
                   "to it along the edges; two layers reach two hops")
    raise Hint(f"node {extra[0]} is too far from node {REACH_SOURCE}: count the hops along "
               "the edges; two layers reach two hops")
