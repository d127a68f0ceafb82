"""Checkers for lesson 10 (graph convolutional networks).

Each function checker runs the answer on the graphs a teacher would probe (isolated nodes,
a single node, no edges at all, edges listed either way round, batches padded in every way)
and on graphs drawn fresh on every call, so that a table of answers cannot pass. The
exercises ask for NumPy: networkx, Keras, TensorFlow and the course's own graph functions
are refused (TensorFlow and networkx whole, through the functions all their computations
pass through: course.check.libraries). Exercise 10.2 is a debug exercise: its hints say
what a mistake does, not the line that fixes it. Exercises 10.3 and 10.5 are predictions:
values written by hand, with hints that stop after three different wrong answers.
"""

import numpy as np

from course.check import libraries
from course.check.core import Hint, checker, plain
from course.check.frozen import frozen

# The exercises ask for NumPy: any TensorFlow op (a tf function, keras.ops) and any networkx
# function is refused, and the hint names the library. The functions named before them are
# the shortcuts proper, named where their code lives (tf.reduce_mean is gen_math_ops.mean,
# tf.scatter_nd gen_array_ops.scatter_nd): importing "tensorflow.math" by name would swap
# TensorFlow's lazy module (the grade's screen would take that for a change made by the answer)
_TF = "tensorflow.python.ops."
NUMPY_ONLY = (*libraries.TENSORFLOW, *libraries.NETWORKX)
ASKS = "the exercises of this lesson ask for NumPy only"
ADJACENCY_SHORTCUTS = ("networkx.to_numpy_array.orig_func",
                       "networkx.adjacency_matrix.orig_func",
                       "networkx.to_scipy_sparse_array.orig_func",
                       "networkx.to_pandas_adjacency.orig_func",
                       "networkx.attr_matrix.orig_func",
                       "keras.ops.scatter", "keras.ops.scatter_update",
                       _TF + "gen_array_ops.scatter_nd",
                       _TF + "gen_array_ops.tensor_scatter_update",
                       _TF + "gen_array_ops.tensor_scatter_add",
                       _TF + "gen_array_ops.tensor_scatter_max",
                       _TF + "gen_sparse_ops.sparse_to_dense", *NUMPY_ONLY)
NORMALIZE_SHORTCUTS = ("course.graphs.normalized_adjacency", "course.graphs.degree_matrix",
                       "networkx.normalized_laplacian_matrix.orig_func", *NUMPY_ONLY)
# the course's readout and Keras' pooling, and any TensorFlow or Keras reduction (a sum or a
# mean, over segments too), or product (einsum, matmul): the masked mean in NumPy
READOUT_SHORTCUTS = ("course.graphs.GraphReadout.call", "keras.layers.GlobalAveragePooling1D.call",
                     "keras.layers.Average.call", "keras.ops.mean", "keras.ops.average",
                     "keras.ops.sum", "keras.ops.segment_sum", _TF + "gen_math_ops.mean",
                     _TF + "gen_math_ops._sum", _TF + "gen_math_ops.unsorted_segment_sum",
                     _TF + "gen_math_ops.segment_sum", _TF + "gen_math_ops.segment_mean",
                     *NUMPY_ONLY)


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
        raise Hint(f"your function changed the {what} it was passed (an in-place `+=`, `*=`, "
                   "`out=` or assignment into it): the caller's array is no longer what it "
                   "was, and a second call on it gives another answer")


# --- 10.1 the adjacency matrix ------------------------------------------------------------


def _random_edges(rng):
    """(n, edges): a random graph, each edge listed once, either way round, in any order."""
    n = int(rng.integers(2, 13))
    pairs = [(i, j) if rng.random() < 0.5 else (j, i)
             for i in range(n) for j in range(i + 1, n) if rng.random() < 0.35]
    return n, tuple(pairs[k] for k in rng.permutation(len(pairs)))


@checker(without=ADJACENCY_SHORTCUTS)
def adjacency_matrix(answer):
    """``answer(edges, n)``: the symmetric 0/1 adjacency matrix of an undirected graph."""
    answer = libraries.refusing(answer, ASKS)
    rng = np.random.default_rng()
    edges_cases = (  # isolated nodes first and last, edges listed (j, i), no edges at all
        (5, ((0, 1), (2, 1), (2, 3), (3, 0), (0, 2))), (4, ((1, 0), (2, 0), (3, 0))),
        (6, ((5, 4), (4, 3), (3, 2), (2, 1), (1, 0))), (7, ((1, 2), (3, 2), (4, 5))),
        (4, ((3, 0), (1, 2), (0, 1), (2, 3), (0, 2), (3, 1))), (3, ()), (1, ()))
    cases = (*edges_cases, *(_random_edges(rng) for _ in range(12)))  # tuples: the checker's
    for n, edges in cases:
        expected = np.zeros((n, n))  # worked out before the answer runs
        for i, j in edges:
            expected[[i, j], [j, i]] = 1
        expected = frozen(expected)
        call = f"adjacency_matrix({list(edges)}, n={n})"
        given = list(edges)
        got = answer(given, n)
        if tuple(given) != edges:
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


# --- 10.2 the normalized adjacency (debug) -----------------------------------------------


def _normalize_hint(got, a):
    """The likely mistake behind a wrong normalized adjacency ``got`` of ``a``: what it is
    and what it does, not the line that fixes it."""
    eye = np.eye(len(a))
    a_hat = a + eye
    d_hat, d = a_hat.sum(axis=1), a.sum(axis=1)
    if len(a) > 1 and not np.any(got * (1 - eye)) and np.any(a):
        return ("your matrix is diagonal, so no node hears from its neighbours: `*` multiplies "
                "entry by entry, where the formula has matrix products")
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            (a / np.sqrt(np.outer(d, d)),
             "your diagonal is 0: without the self-loops of Â = A + I a node's own features "
             "drop out of its update"),
            (a_hat / np.sqrt(np.outer(d, d)),
             "the degrees you divide by leave out the self-loops: in Â = A + I every node is "
             "also its own neighbour. Degrees one short make the largest eigenvalue larger "
             "than 1, so features grow layer after layer"),
            (a_hat / d_hat[:, None],
             "that is D̂^-1 Â, a row average: it is not symmetric. The GCN divides entry "
             "(i, j) by √(d̂_i d̂_j)"),
            (a_hat / np.outer(d_hat, d_hat),
             "you divided entry (i, j) by d̂_i d̂_j; the GCN divides by its square root, so your "
             "values shrink layer after layer"),
            (a_hat / np.sqrt(d_hat)[:, None],
             "you scaled the rows by D̂^-1/2 but not the columns: it belongs on both sides"),
            (a_hat / np.sqrt(d_hat)[None, :],
             "you scaled the columns by D̂^-1/2 but not the rows: it belongs on both sides"),
            (a_hat * np.sqrt(np.outer(d_hat, d_hat)),
             "you multiplied by D̂^+1/2: the exponent is -1/2, which divides"),
        ]
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, atol=1e-5):
            return hint
    expected = a_hat / np.sqrt(np.outer(d_hat, d_hat))
    i, j = _first_difference(got, expected)
    return (f"entry [{i}, {j}] is {got[i, j]:.4f}, which is off; node {i} has degree "
            f"{d[i]:g} in A. Check Â, the degrees D̂ holds, and D̂^-1/2 on both sides")


def _not_finite_hint(got, a):
    bad = ~np.isfinite(got)
    lonely = a.sum(axis=1) == 0
    if lonely.any() and not (bad & ~(lonely[:, None] | lonely[None, :])).any():
        i = int(np.flatnonzero(lonely)[0])
        return (f"your matrix holds inf or nan in the row and column of node {i}, which has "
                "no edge: its degree in A is 0, and 0 ** -1/2 is infinite. Which matrix's "
                "degrees does D̂ hold?")
    return ("your matrix contains inf or nan: raising the whole degree matrix to the power "
            "-1/2 also divides by its zeros off the diagonal")


@checker(without=NORMALIZE_SHORTCUTS)
def normalize_adjacency(answer):
    """``answer(A)``: the GCN propagation matrix D̂^-1/2 (A + I) D̂^-1/2."""
    answer = libraries.refusing(answer, ASKS)
    rng = np.random.default_rng()
    isolated = _test_graph()
    isolated[4:, :] = isolated[:, 4:] = 0  # nodes 4 and 5 lose their edges
    edges_cases = [_test_graph(), isolated, np.zeros((1, 1)), np.zeros((3, 3)),
                   np.ones((4, 4)) - np.eye(4), _random_adjacency(rng, 5).astype(np.float32)]
    cases = tuple(frozen(a) for a in edges_cases  # the checker's own, read-only
                  + [_random_adjacency(rng, int(rng.integers(2, 13))) for _ in range(10)])
    for a in cases:
        n = len(a)
        a_hat = a + np.eye(n)
        d_hat = a_hat.sum(axis=1)
        expected = frozen(a_hat / np.sqrt(np.outer(d_hat, d_hat)))  # before the answer runs
        given = a.copy()
        got = answer(given)
        _unchanged(given, a, "matrix A")
        got = _matrix(got, f"normalize_adjacency(A) for a {n}-node graph", (n, n))
        if not np.all(np.isfinite(got)):
            raise Hint(_not_finite_hint(got, a))
        if not np.allclose(got, expected, atol=1e-5):
            raise Hint(f"on a {n}-node graph: {_normalize_hint(got, a.astype(np.float64))}")
    return (f"D̂^-1/2 (A + I) D̂^-1/2 on {len(cases)} graphs ({len(edges_cases)} edge cases: "
            "isolated nodes, one node, no edges, a complete graph, float32; the rest drawn at "
            "random), A left unchanged")


# --- 10.3 one GCN step by hand (a prediction) --------------------------------------------

# the layer of exercise 10.3: section 2's path 0 - 1 - 2, the feature 1 on every node, one
# feature in and two out through W = [[1, -1]], no bias, a ReLU
STEP_EDGES, STEP_NODES = [(0, 1), (1, 2)], 3
STEP_H, STEP_W = [[1.0], [1.0], [1.0]], [[1.0, -1.0]]
STEP_TOLERANCE = 0.01  # two decimals


def _predicted_rows(value):
    """A prediction as a float array, or a Hint naming what was written instead."""
    value = plain(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise Hint(f"predicted_step is an array of {value.dtype}; write numbers")
        return value.astype(np.float64)
    if not isinstance(value, list | tuple):
        raise Hint(f"predicted_step is {type(value).__name__} {value!r:.40}; assign a nested "
                   "list of numbers, one row per node: [[a, b], [c, d], [e, f]]")
    for row in value:
        for v in row if isinstance(row, list | tuple) else [row]:
            if isinstance(v, bool) or not isinstance(v, int | float | np.ndarray):
                raise Hint(f"predicted_step holds {v!r:.40}; write numbers (arithmetic "
                           "between numbers is fine)")
    try:
        return np.array(value, dtype=np.float64)
    except ValueError:
        raise Hint("the rows of predicted_step have different lengths: one row per node, "
                   "each with one value per output feature") from None


def _step_hint(got, a, a_hat, d_hat):
    """Why the mixed feature (the first column) of a prediction is off."""
    d = a.sum(axis=1)
    first = got[:, 0]
    mistakes = [
        (np.ones(STEP_NODES),
         "every node kept exactly 1: that is what an average would give (D̂^-1 Â, rows that "
         "add up to 1). The GCN divides entry (i, j) by √(d̂_i d̂_j): add up a row of "
         "section 2's A_norm and see whether it makes 1"),
        (a_hat.sum(axis=1), "those are sums over each node and its neighbours: the layer "
                            "multiplies by the normalized A_norm, not by Â"),
        (a.sum(axis=1), "those are sums over the neighbours alone: no self-loops and no "
                        "normalization"),
        ((a / np.sqrt(np.outer(d, d))).sum(axis=1),
         "you normalized A without its self-loops: the layer uses Â = A + I, so a node also "
         "hears from itself"),
        ((a_hat / np.sqrt(np.outer(d, d))).sum(axis=1),
         "your degrees leave out the self-loops: in Â = A + I every node counts itself"),
        ((a_hat / d_hat[None, :]).sum(axis=1),
         "you divided entry (i, j) by d̂_j alone; the GCN divides by √(d̂_i d̂_j)"),
        ((a_hat / np.outer(d_hat, d_hat)).sum(axis=1),
         "you divided entry (i, j) by d̂_i d̂_j; the GCN divides by its square root"),
        (1 / d_hat, "you kept only each node's own term: a node also hears from its "
                    "neighbours"),
    ]
    for wrong, hint in mistakes:
        if np.allclose(first, wrong, atol=STEP_TOLERANCE):
            return hint
    if abs(first[0] - first[-1]) > STEP_TOLERANCE:
        return ("nodes 0 and 2 sit symmetrically at the two ends of the path, with the same "
                "features: they get the same values")
    return None


@checker(prediction=True, tries=3)
def gcn_step(answer):
    """``answer``: relu(A_norm H W) written by hand for the path 0 - 1 - 2, H all ones and
    W = [[1, -1]], a 3 x 2 nested list."""
    got = _predicted_rows(answer)
    a = np.zeros((STEP_NODES, STEP_NODES))
    for i, j in STEP_EDGES:
        a[[i, j], [j, i]] = 1
    a_hat = a + np.eye(STEP_NODES)
    d_hat = a_hat.sum(axis=1)
    expected = np.maximum(a_hat / np.sqrt(np.outer(d_hat, d_hat)) @ np.array(STEP_H)
                          @ np.array(STEP_W), 0)
    rows, cols = expected.shape
    if got.shape != expected.shape:
        if got.shape == (cols, rows):
            raise Hint(f"predicted_step has shape {got.shape}: one row per node, {rows} rows "
                       f"of {cols} values")
        if got.shape in ((rows,), (rows, 1)):
            raise Hint(f"one value per node: W has {cols} columns, so each node gets {cols} "
                       f"values, {rows} rows of {cols}")
        raise Hint(f"predicted_step has shape {got.shape}; the layer gives each of the {rows} "
                   f"nodes {cols} features: {rows} rows of {cols} values")
    if np.allclose(got, expected, atol=STEP_TOLERANCE):
        return ("relu(A_norm H W) on the path: the same feature everywhere does not stay the "
                "same, the middle node gets more than the two ends")
    if (got < -STEP_TOLERANCE).any():
        raise Hint("some of your values are negative: the layer ends with a ReLU")
    if not np.allclose(got[:, 1], expected[:, 1], atol=STEP_TOLERANCE):
        raise Hint("your second column is off: it is each node's mixed feature times W's "
                   "second weight, -1, and then the ReLU")
    if hint := _step_hint(got, a, a_hat, d_hat):
        raise Hint(hint)
    i = int(np.argmax(np.abs(got[:, 0] - expected[:, 0])))
    raise Hint(f"node {i}'s first value is off: it adds up, over node {i} and each of its "
               "neighbours j, 1/√(d̂_i d̂_j) times their feature 1, with the degrees d̂ counted "
               "in Â = A + I")


# --- 10.4 the mean readout of a padded batch ---------------------------------------------


def _padded_batch(rng, sizes, n, f, padding):
    """(H, mask): ``len(sizes)`` graphs with ``sizes`` real nodes padded to ``n``, real nodes
    first; the padding rows hold ``padding`` ("zeros", or "bias": the same nonzero vector
    in every padding row, what a GCN layer with a bias makes of a zero row)."""
    h = rng.standard_normal((len(sizes), n, f)) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
    mask = (np.arange(n) < np.array(sizes)[:, None]).astype(np.float64)
    h[mask == 0] = 0.0 if padding == "zeros" else rng.uniform(0.3, 2.0, f)
    return h, mask


def _random_padded_batch(rng):
    b, n, f = int(rng.integers(1, 6)), int(rng.integers(1, 9)), int(rng.integers(1, 6))
    sizes = rng.integers(1, n + 1, b)
    return _padded_batch(rng, sizes, n, f, "bias")


def _readout_shape_hint(got, case, b, n, f):
    if isinstance(got, int | float) or isinstance(got, np.ndarray) and got.shape == ():
        return (f"for {case} you returned one number for the whole batch: the readout gives "
                f"one vector per graph, shape ({b}, {f})")
    if not isinstance(got, np.ndarray) or got.shape == (b, f):
        return None
    if got.shape == (n, f):
        return (f"for {case} you returned shape {got.shape}, one row per node: you averaged "
                "over the graphs of the batch (axis 0), not over the nodes of each graph")
    if got.shape == (b, n):
        return (f"for {case} you returned one value per node, shape {got.shape}: average "
                "over the nodes, keeping one value per feature")
    if got.size == b * f:
        return f"for {case} you returned shape {got.shape}; return shape ({b}, {f})"
    return None


def _readout_hint(got, h, mask, case):
    """The likely mistake behind a wrong readout ``got`` of a padded batch."""
    weights = mask[:, :, None]
    real, n = mask.sum(axis=1), mask.shape[1]
    padded = real < n
    masked_sum = (weights * h).sum(axis=1)
    g = int(np.flatnonzero(padded)[0]) if padded.any() else 0
    k = int(real[g])
    mistakes = [
        (h.mean(axis=1), f"your readout also averages the padding nodes: graph {g} has {k} "
                         f"real nodes padded to {n}, and the padding rows are not zero"),
        (masked_sum / n, f"the padding nodes are out of your sum but not out of your count: "
                         f"graph {g} has {k} real nodes, padded to {n}"),
        (masked_sum, "that is the sum over the real nodes; the mean also divides by how many "
                     "there are"),
        (h.sum(axis=1) / real[:, None],
         "your sum still holds the padding rows: they are not zero here (after a layer with "
         "a bias they hold whatever it made of them), only the mask tells them apart"),
        (np.where(weights > 0, h, -np.inf).max(axis=1),
         "that is the max readout over the real nodes; take the mean"),
    ]
    if mask.shape[0] == h.shape[2]:  # the counts (batch,) line up with the features (f,)
        mistakes.append((masked_sum / real[None, :],
                         "you divided feature j of every graph by graph j's number of real "
                         "nodes: a vector of counts, shape (batch,), lines up with the last "
                         "axis, the features"))
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, atol=1e-6):
            return f"for {case}: {hint}"
    expected = masked_sum / real[:, None]
    g = int(np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)[0])
    return (f"for {case}, graph {g}'s readout is off: the mean readout averages each feature "
            "over the graph's real nodes (mask 1), and only those")


@checker(without=READOUT_SHORTCUTS)
def mean_readout(answer):
    """``answer(H, mask)``: the mean over each graph's real nodes (mask 1) of a padded batch
    H (batch, n, f), shape (batch, f)."""
    answer = libraries.refusing(answer, ASKS)
    rng = np.random.default_rng()
    # (real nodes per graph, padded size n, features f, padding rows): padding at the end
    # holding a bias or zeros, no padding at all, one real node, batch size = features (a
    # count vector that broadcasts the wrong way), n = f, a batch of one
    edge_cases = [([3, 5], 5, 2, "bias"), ([1, 4, 2], 4, 3, "bias"), ([4], 4, 1, "bias"),
                  ([1], 3, 2, "bias"), ([2, 3], 4, 2, "zeros"), ([5, 1, 3, 2], 6, 4, "bias"),
                  ([2, 6, 6], 6, 6, "bias"), ([1, 1], 1, 3, "bias")]
    cases = [_padded_batch(rng, *case) for case in edge_cases]
    cases += [_random_padded_batch(rng) for _ in range(10)]
    for h, mask in tuple((frozen(h), frozen(mask)) for h, mask in cases):  # read-only
        (b, n, f), real = h.shape, mask.sum(axis=1).astype(int).tolist()
        case = f"a batch of {b} graph{'s' * (b > 1)} with {real} real nodes padded to {n}, {f} " \
               f"feature{'s' * (f > 1)}"
        expected = frozen((mask[:, :, None] * h).sum(axis=1) / mask.sum(axis=1)[:, None])
        given = h.copy(), mask.copy()
        got = answer(*given)
        _unchanged(given[0], h, "feature array H")
        _unchanged(given[1], mask, "mask")
        if hint := _readout_shape_hint(got, case, b, n, f):
            raise Hint(hint)
        got = _matrix(got, f"mean_readout for {case}", (b, f))
        if not np.allclose(got, expected, atol=1e-6):
            raise Hint(_readout_hint(got, h, mask, case))
        order = rng.permutation(n)  # the padding among the real nodes, in another order
        again = _matrix(answer(h[:, order], mask[:, order]), f"mean_readout for {case}", (b, f))
        if not np.allclose(again, expected, atol=1e-6):
            raise Hint(f"for {case}: the result changes when the nodes are listed in another "
                       "order, padding nodes among the real ones. A readout must not depend "
                       "on where a node sits: only the mask says which nodes are real")
    return (f"the mean over the real nodes for {len(cases)} padded batches ({len(edge_cases)} "
            "edge cases: no padding, one real node, padding rows of zeros or a layer's bias; "
            "the rest drawn at random), whatever the order of the nodes")


# --- 10.5 how far a change reaches -------------------------------------------------------

# the graph of exercise 10.5: a ring 2-3-4-5-9-8 with tails 0-1-2 and 5-6-7
REACH_EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (2, 8), (8, 9), (5, 9)]
REACH_NODES, REACH_SOURCE, REACH_LAYERS = 10, 3, 2


def _node_set(value):
    if not isinstance(value, list | tuple):  # a dict, a set, a string, a number, an array
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
