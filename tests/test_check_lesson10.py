"""The checkers of lesson 10: right answers pass, stubs and typical mistakes get their hints,
and (issue 26, item 8) every checker meets wrong answers of every kind: a plausible mistake,
a shortcut through the course, networkx or Keras (for a prediction: a computed one), a table
of the old checker's fixed cases, an always-equal object and a type slip, each refused on
fresh draws with a hint that holds no line of the solution. Exercise 10.2 is a debug
exercise: the lesson's broken function is refused with a hint that names no fix. 10.3 and
10.5 are predictions: few tries, and hints that give no value away."""

import re
import types

import keras
import networkx as nx
import numpy as np
import pytest
import tensorflow as tf
from cheats import AlwaysEqual, assigned, cell_source, drawn, draws, refused_every_time

from course import graphs
from course.check import lesson10
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "10_graph_convolution.ipynb"


def stub(*args, **kwargs):
    raise NotImplementedError


def run(checker, answer, capsys):
    result = checker(answer)
    return result, capsys.readouterr().out


@pytest.fixture(autouse=True)
def fresh_tries():
    """Hints stop after three different wrong predictions (10.3, 10.5), counted per process:
    each test starts, and leaves, with none counted."""
    for check in (lesson10.gcn_step, lesson10.gcn_reach):
        check.forget_tries()
    yield
    for check in (lesson10.gcn_step, lesson10.gcn_reach):
        check.forget_tries()


# --- 10.1 and 10.2: answers and typical mistakes -----------------------------------------


def adjacency(edges, n):
    a = np.zeros((n, n))
    for i, j in edges:
        a[i, j] = a[j, i] = 1
    return a


def directed(edges, n):
    a = np.zeros((n, n))
    for i, j in edges:
        a[i, j] = 1
    return a


def with_loops(edges, n):
    return adjacency(edges, n) + np.eye(n)


def normalize(a):
    a_hat = a + np.eye(len(a))
    d = np.diag(a_hat.sum(axis=1) ** -0.5)
    return d @ a_hat @ d


def normalize_without_loops(a):
    d = np.diag(a.sum(axis=1) ** -0.5)
    return d @ a @ d


def normalize_rows(a):
    a_hat = a + np.eye(len(a))
    return np.diag(1 / a_hat.sum(axis=1)) @ a_hat


def normalize_full_inverse(a):
    a_hat = a + np.eye(len(a))
    d = np.diag(1 / a_hat.sum(axis=1))
    return d @ a_hat @ d


def normalize_left_only(a):
    a_hat = a + np.eye(len(a))
    return np.diag(a_hat.sum(axis=1) ** -0.5) @ a_hat


def normalize_elementwise(a):
    a_hat = a + np.eye(len(a))
    d = np.diag(a_hat.sum(axis=1) ** -0.5)
    return d * a_hat * d


def normalize_power_of_matrix(a):
    a_hat = a + np.eye(len(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.diag(a_hat.sum(axis=1)) ** -0.5
        return d @ a_hat @ d


def normalize_in_place(a):
    a += np.eye(len(a))
    d = np.diag(a.sum(axis=1) ** -0.5)
    return d @ a @ d


def normalize_degrees_of_a(a):
    d = np.diag(a.sum(axis=1) ** -0.5)
    return d @ (a + np.eye(len(a))) @ d


def buggy_from_the_lesson():
    """The lesson's normalize_adjacency_buggy, run from its cell."""
    namespace = {"np": np}
    exec(cell_source(LESSON, "def normalize_adjacency_buggy(A):"), namespace)
    function = namespace["normalize_adjacency_buggy"]

    def normalize_adjacency_buggy(a):  # NumPy's divide-by-zero warnings would fail the test
        with np.errstate(divide="ignore", invalid="ignore"):
            return function(a)

    return normalize_adjacency_buggy


@pytest.mark.parametrize("checker, right, wrong, hint", [
    (lesson10.adjacency_matrix, adjacency, directed, "undirected"),
    (lesson10.adjacency_matrix, adjacency, with_loops, "self-loops later"),
    (lesson10.adjacency_matrix, adjacency, lambda e, n: adjacency(e, n + 1), "one row and one"),
    (lesson10.normalize_adjacency, normalize, normalize_without_loops, "your diagonal is 0"),
    (lesson10.normalize_adjacency, normalize, normalize_degrees_of_a, "leave out the self-loops"),
    (lesson10.normalize_adjacency, normalize, normalize_rows, "row average"),
    (lesson10.normalize_adjacency, normalize, normalize_full_inverse, "by its square root"),
    (lesson10.normalize_adjacency, normalize, normalize_left_only, "but not the columns"),
    (lesson10.normalize_adjacency, normalize, normalize_elementwise, "entry by entry"),
    (lesson10.normalize_adjacency, normalize, normalize_power_of_matrix, "inf or nan"),
    (lesson10.normalize_adjacency, normalize, normalize_in_place, "changed the matrix A"),
])
def test_checker(checker, right, wrong, hint, capsys):
    ok, out = run(checker, right, capsys)
    assert ok and "correct" in out, out
    ok, out = run(checker, stub, capsys)
    assert not ok and "not attempted yet" in out
    ok, out = run(checker, wrong, capsys)
    assert not ok and hint in out, out


def test_hints_do_not_give_the_answer_away(capsys):
    from course.graphs import normalized_adjacency

    lesson10.normalize_adjacency(lambda a: normalize(a) + 0.01)
    out = capsys.readouterr().out
    reference = normalized_adjacency(lesson10._test_graph(), dtype="float64")
    assert "not yet" in out
    assert not any(f"{v:.4f}" in out for v in np.unique(reference) if v)


# --- 10.2 is a debug exercise: the lesson's broken function -------------------------------

FIXES = ("A + np.eye", "a + np.eye", "A_hat.sum", "np.diag(A_hat", "A.copy()", "+ np.eye(len")


def test_the_lesson_s_buggy_function_has_both_bugs_it_shows():
    buggy = buggy_from_the_lesson()
    a = lesson10._test_graph()
    given = a.copy()
    got = buggy(given)
    assert not np.array_equal(given, a)  # it changed its input
    assert np.linalg.eigvalsh(got).max() > 1.05  # degrees one short: features grow
    lonely = np.zeros((3, 3))
    lonely[0, 1] = lonely[1, 0] = 1
    assert np.isnan(buggy(lonely)).any()  # a node without an edge: 0 ** -0.5


def test_the_lesson_s_buggy_function_is_refused_with_a_hint_that_names_no_fix(capsys):
    buggy = buggy_from_the_lesson()
    refused_every_time(lesson10.normalize_adjacency, buggy, capsys, LESSON,
                       "normalize_adjacency", "the lesson's buggy function")
    lesson10.normalize_adjacency(buggy)
    line = capsys.readouterr().out
    assert "changed the matrix A" in line and "second call" in line, line
    assert not any(fix in line for fix in FIXES), line


@pytest.mark.parametrize("half_fixed, hint", [
    (normalize_degrees_of_a, "the degrees you divide by leave out the self-loops"),
    (normalize_in_place, "changed the matrix A"),
], ids=["in-place fixed, degrees not", "degrees fixed, in place not"])
def test_each_bug_alone_gets_its_own_hint(half_fixed, hint, capsys):
    refused_every_time(lesson10.normalize_adjacency, half_fixed, capsys, LESSON,
                       "normalize_adjacency", hint)
    lesson10.normalize_adjacency(half_fixed)
    line = capsys.readouterr().out
    assert hint in line, line
    assert not any(fix in line for fix in FIXES), line


def test_isolated_nodes_get_their_own_hint(capsys):
    def zero_degree(a):  # right on graphs where every node has an edge
        if a.sum(axis=1).all():
            return normalize(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return normalize_degrees_of_a(a)

    assert not lesson10.normalize_adjacency(zero_degree)
    out = capsys.readouterr().out
    assert "has no edge: its degree in A is 0" in out
    assert not any(fix in out for fix in FIXES), out


# --- 10.4: the mean readout of a padded batch ---------------------------------------------


def mean_readout(h, mask):
    weights = mask[:, :, None]
    return (weights * h).sum(axis=1) / weights.sum(axis=1)


def mean_readout_by_loop(h, mask):
    return np.array([h[g][mask[g] == 1].mean(axis=0) for g in range(len(h))])


def mean_readout_by_average(h, mask):
    return np.average(h, axis=1, weights=np.broadcast_to(mask[:, :, None], h.shape))


def mean_readout_by_einsum(h, mask):
    return np.einsum("bn,bnf->bf", mask, h) / mask.sum(axis=1, keepdims=True)


def real_nodes_first(h, mask):  # trusts the padding to sit at the end
    return np.array([h[g, :int(mask[g].sum())].mean(axis=0) for g in range(len(h))])


def zeroes_the_padding_in_place(h, mask):
    h *= mask[:, :, None]
    return h.sum(axis=1) / mask.sum(axis=1, keepdims=True)


def masked_pooling(h, mask):
    pooled = keras.layers.GlobalAveragePooling1D()(h, mask=mask.astype(bool))
    return np.asarray(pooled)


def by_keras_mean(h, mask):
    n = h.shape[1]
    return np.asarray(keras.ops.mean(h * mask[:, :, None], axis=1)) * n / mask.sum(
        axis=1, keepdims=True)


def by_tensorflow_mean(h, mask):
    n = h.shape[1]
    return tf.reduce_mean(h * mask[:, :, None], axis=1).numpy() * n / mask.sum(
        axis=1, keepdims=True)


def test_a_readout_that_depends_on_where_the_padding_sits(capsys):
    assert not lesson10.mean_readout(real_nodes_first)
    assert "another order" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda h, m: h.mean(axis=1), "also averages the padding nodes"),
    (lambda h, m: (h * m[:, :, None]).sum(axis=1) / h.shape[1], "not out of your count"),
    (lambda h, m: (h * m[:, :, None]).sum(axis=1), "the sum over the real nodes"),
    (lambda h, m: h.sum(axis=1) / m.sum(axis=1, keepdims=True), "still holds the padding rows"),
    (lambda h, m: (h * m[:, :, None]).sum(axis=1) / m.sum(axis=1), "graph j's number"),
    (lambda h, m: np.where(m[:, :, None] > 0, h, -np.inf).max(axis=1), "max readout"),
    (lambda h, m: mean_readout(h, m).mean(), "one number"),
    (lambda h, m: mean_readout(h[:, :, :1], m), "returned shape (2, 1); expected (2, 2)"),
    (lambda h, m: h.mean(axis=0), "over the graphs of the batch"),
    (lambda h, m: mean_readout(h, m)[:, None], "return shape"),
    (lambda h, m: mean_readout(h, m).tolist(), "returned a list"),
    (zeroes_the_padding_in_place, "changed the feature array H"),
    (real_nodes_first, "another order"),
])
def test_mean_readout_hints(wrong, hint, capsys):
    ok, out = run(lesson10.mean_readout, wrong, capsys)
    assert not ok and hint in out, out


# --- wrong answers of every kind (issue 26, item 8) ---------------------------------------


def key(*args):
    return repr([a.round(6).tolist() if isinstance(a, np.ndarray) else a for a in args])


def table(cases, fallback):
    """An answer that looks its inputs up in a table of the old checker's fixed ones."""
    def answer(*args):
        return cases.get(key(*args), fallback(*args))
    return answer


OLD_GRAPHS = [(5, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]), (4, [(0, 1), (0, 2), (0, 3)]),
              (6, [(5, 4), (4, 3), (3, 2), (2, 1), (1, 0)])]
OLD_A = lesson10._test_graph()
OLD_A_NORM = normalize(OLD_A)
_old = np.random.default_rng(11)
OLD_READOUT = (_old.standard_normal((2, 5, 2)), np.array([[1.0, 1, 1, 0, 0], [1, 1, 1, 1, 1]]))


def by_networkx(edges, n):
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    return nx.to_numpy_array(graph, nodelist=range(n))


def upper_only(edges, n):
    a = np.zeros((n, n))
    for i, j in edges:
        a[min(i, j), max(i, j)] = 1
    return a


def sized_from_edges(edges, n):
    return adjacency(edges, max((max(e) for e in edges), default=0) + 1)


def by_tensorflow_scatter(edges, n):
    if not edges:
        return np.zeros((n, n))
    both = [*edges, *(e[::-1] for e in edges)]
    return tf.scatter_nd(both, tf.ones(len(both)), (n, n)).numpy()


class NormalizedByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, a):
        return graphs.normalized_adjacency(a, dtype="float64")


def by_tensorflow_sum(h, mask):
    return tf.reduce_sum(h * mask[:, :, None], 1).numpy() / mask.sum(1, keepdims=True)


def by_segment_mean(h, mask):
    b, n, f = h.shape
    real = np.flatnonzero(mask.reshape(-1))
    graph = np.repeat(np.arange(b), n)[real]
    return tf.math.unsorted_segment_mean(h.reshape(-1, f)[real], graph, b).numpy()


def by_networkx_attributes(edges, n):
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    return np.asarray(nx.attr_matrix(graph, rc_order=range(n)))


def by_one_hot_products(edges, n):  # each edge an outer product of two one-hot rows
    a = np.zeros((n, n))
    for i, j in edges:
        rows = tf.one_hot([i, j], n).numpy()
        a += np.outer(rows[0], rows[1]) + np.outer(rows[1], rows[0])
    return a


def by_tensorflow_scatter_max(edges, n):
    both = [*edges, *(e[::-1] for e in edges)] or [(0, 0)]
    updates = np.ones(len(both)) if edges else np.zeros(1)
    return tf.tensor_scatter_nd_max(np.zeros((n, n)), both, updates).numpy()


def by_tensorflow_einsum(h, mask):
    return tf.einsum("bn,bnf->bf", mask, h).numpy() / mask.sum(axis=1, keepdims=True)


def by_keras_einsum(h, mask):
    return np.asarray(keras.ops.einsum("bn,bnf->bf", mask, h)) / mask.sum(axis=1, keepdims=True)


def by_tensorflow_matmul(h, mask):
    return tf.matmul(mask[:, None, :], h)[:, 0].numpy() / mask.sum(axis=1, keepdims=True)


def normalized_by_tensorflow(a):
    d = 1 / np.sqrt(a.sum(axis=1) + 1)
    return tf.linalg.matmul(tf.linalg.diag(d), (a + np.eye(len(a))) * d).numpy()


def sorts_the_edges(edges, n):
    edges.sort()
    return adjacency(edges, n)


WRONG = {
    "adjacency_matrix": [
        ("directed", directed),
        ("upper triangle only", upper_only),
        ("self-loops", with_loops),
        ("sized from the edges", sized_from_edges),
        ("networkx shortcut", by_networkx),
        ("table", table({key(e, n): adjacency(e, n) for n, e in OLD_GRAPHS},
                        lambda e, n: np.zeros((n, n)))),
        ("always equal", lambda edges, n: AlwaysEqual()),
        ("a nested list", lambda edges, n: adjacency(edges, n).tolist()),
        ("a boolean matrix", lambda edges, n: adjacency(edges, n).astype(bool)),
        ("a string", lambda edges, n: str(adjacency(edges, n))),
        ("changes the edges", sorts_the_edges),
        ("tensorflow scatter", by_tensorflow_scatter),
        ("networkx attr_matrix", by_networkx_attributes),
        ("tensorflow one_hot outer products", by_one_hot_products),
        ("tensorflow tensor_scatter_nd_max", by_tensorflow_scatter_max),
    ],
    "normalize_adjacency": [
        ("the lesson's buggy function", buggy_from_the_lesson()),
        ("no self-loops", normalize_without_loops),
        ("degrees of A", normalize_degrees_of_a),
        ("row average", normalize_rows),
        ("elementwise", normalize_elementwise),
        ("power of the matrix", normalize_power_of_matrix),
        ("in place", normalize_in_place),
        ("course shortcut", lambda a: graphs.normalized_adjacency(a)),
        ("course shortcut in a callable object", NormalizedByTheCourse()),
        ("table", table({key(OLD_A): OLD_A_NORM}, lambda a: a)),
        ("always equal", lambda a: AlwaysEqual()),
        ("a nested list", lambda a: normalize(a).tolist()),
        ("None", lambda a: None),
        ("tensorflow matrix products", normalized_by_tensorflow),
    ],
    "mean_readout": [
        ("padding averaged in", lambda h, m: h.mean(axis=1)),
        ("divided by the padded size", lambda h, m: (h * m[:, :, None]).sum(axis=1) / h.shape[1]),
        ("padding taken for zeros", lambda h, m: h.sum(axis=1) / m.sum(axis=1, keepdims=True)),
        ("sum", lambda h, m: (h * m[:, :, None]).sum(axis=1)),
        ("real nodes first", real_nodes_first),
        ("axis 0", lambda h, m: h.mean(axis=0)),
        ("keepdims", lambda h, m: mean_readout(h, m)[:, None]),
        ("GraphReadout shortcut", lambda h, m: np.asarray(graphs.GraphReadout("mean")(h))),
        ("masked pooling shortcut", masked_pooling),
        ("keras.ops shortcut", by_keras_mean),
        ("tensorflow shortcut", by_tensorflow_mean),
        ("tensorflow sum", by_tensorflow_sum),
        ("tensorflow segment mean", by_segment_mean),
        ("table", table({key(*OLD_READOUT): mean_readout(*OLD_READOUT)},
                        lambda h, m: np.zeros((h.shape[0], h.shape[2])))),
        ("always equal", lambda h, m: AlwaysEqual()),
        ("a list", lambda h, m: mean_readout(h, m).tolist()),
        ("changes H", zeroes_the_padding_in_place),
        ("tensorflow einsum", by_tensorflow_einsum),
        ("keras.ops einsum", by_keras_einsum),
        ("tensorflow matmul", by_tensorflow_matmul),
    ],
}
RIGHT = {
    "adjacency_matrix": [adjacency, lambda edges, n: adjacency(edges, n).astype(int)],
    "normalize_adjacency": [normalize],
    "mean_readout": [mean_readout, mean_readout_by_loop, mean_readout_by_average,
                     mean_readout_by_einsum],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson10, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
@pytest.mark.slow
def test_the_right_answer_passes_every_draw(checker, capsys):
    for answer in RIGHT[checker]:
        for _ in drawn(draws(checker)):
            assert getattr(lesson10, checker)(answer), capsys.readouterr().out


def test_the_shortcuts_are_named(capsys):
    for checker, kind, name in [
            ("adjacency_matrix", "networkx shortcut", "runs networkx"),
            ("adjacency_matrix", "networkx attr_matrix", "runs networkx"),
            ("adjacency_matrix", "tensorflow one_hot outer products", "runs TensorFlow"),
            ("adjacency_matrix", "tensorflow tensor_scatter_nd_max",
             "gen_array_ops.tensor_scatter_max"),
            ("normalize_adjacency", "tensorflow matrix products", "runs TensorFlow"),
            ("mean_readout", "tensorflow einsum", "runs TensorFlow"),
            ("mean_readout", "keras.ops einsum", "runs TensorFlow"),
            ("mean_readout", "tensorflow matmul", "runs TensorFlow"),
            ("normalize_adjacency", "course shortcut", "graphs.normalized_adjacency"),
            ("mean_readout", "GraphReadout shortcut", "runs TensorFlow"),  # Layer.__call__ first
            ("mean_readout", "masked pooling shortcut", "runs TensorFlow"),
            ("mean_readout", "keras.ops shortcut", "ops.mean"),
            ("mean_readout", "tensorflow shortcut", "gen_math_ops.mean"),
            ("adjacency_matrix", "tensorflow scatter", "runs TensorFlow"),  # tf.ones first
            ("normalize_adjacency", "course shortcut in a callable object",
             "graphs.normalized_adjacency"),
            ("mean_readout", "tensorflow sum", "gen_math_ops._sum"),
            ("mean_readout", "tensorflow segment mean", "runs TensorFlow")]:
        getattr(lesson10, checker)(dict(WRONG[checker])[kind])
        out = capsys.readouterr().out
        assert name in out, out
        assert ("calls `" in out and "write it yourself" in out) or (
            "runs " in out and "ask for NumPy only" in out), out


PREDICTIONS = {"gcn_step", "gcn_reach"}  # their wrong answers of every kind: below


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)}
    assert checkers - PREDICTIONS == set(WRONG) and checkers >= PREDICTIONS
    assert set(WRONG_PREDICTIONS) == PREDICTIONS
    assert all(len(wrongs) >= 5 for wrongs in [*WRONG.values(), *WRONG_PREDICTIONS.values()])


def test_no_answer_can_be_imported_from_the_checker_module():
    public = {name for name in dir(lesson10) if not name.startswith("__")}
    assert not public & {"_adjacency", "_hops_from", "_step_reference", "_expected_step",
                         "_readout"}, public


# --- 10.3: one GCN step, predicted by hand ------------------------------------------------

A_END, A_MIDDLE = 0.5 + 6 ** -0.5, 1 / 3 + 2 * 6 ** -0.5  # 0.908 and 1.150
STEP = [[A_END, 0.0], [A_MIDDLE, 0.0], [A_END, 0.0]]
STEP_SHOWN = ("0.908", "0.91", "1.15", "1.149", "0.9082", "1.1498")  # no hint may say these


@pytest.mark.parametrize("answer", [
    STEP, [[0.91, 0], [1.15, 0], [0.91, 0]], ((0.908, 0), (1.149, 0), (0.908, 0)),
    np.array(STEP), np.array(STEP, dtype="float32"), [[0.9, 0], [1.15, 0.0], [0.9, 0]],
], ids=["exact", "two decimals", "tuples", "array", "float32", "one decimal at the ends"])
def test_gcn_step_passes_the_prediction_to_two_decimals(answer, capsys):
    verdict, out = run(lesson10.gcn_step, answer, capsys)
    assert verdict and "correct - " in out, out


@pytest.mark.parametrize("answer, hint", [
    (..., "not attempted yet"),
    ([[1, 0], [1, 0], [1, 0]], "what an average would give"),
    ([[A_END, -A_END], [A_MIDDLE, -A_MIDDLE], [A_END, -A_END]], "negative: the layer ends"),
    ([[A_END, A_END], [A_MIDDLE, A_MIDDLE], [A_END, A_END]], "your second column is off"),
    ([[2, 0], [3, 0], [2, 0]], "not by Â"),
    ([[1, 0], [2, 0], [1, 0]], "over the neighbours alone"),
    ([[0.707, 0], [1.414, 0], [0.707, 0]], "without its self-loops"),
    ([[1.707, 0], [1.914, 0], [1.707, 0]], "your degrees leave out the self-loops"),
    ([[0.833, 0], [1.333, 0], [0.833, 0]], "by d̂_j alone"),
    ([[0.417, 0], [0.444, 0], [0.417, 0]], "by its square root"),
    ([[0.5, 0], [0.333, 0], [0.5, 0]], "only each node's own term"),
    ([[A_END, 0], [A_MIDDLE, 0], [A_END + 0.2, 0]], "sit symmetrically"),
    ([[A_END, 0], [A_MIDDLE + 0.2, 0], [A_END, 0]], "node 1's first value is off"),
    ([[A_END, A_MIDDLE, A_END], [0, 0, 0]], "one row per node"),
    ([A_END, A_MIDDLE, A_END], "one value per node"),
    ([[A_END], [A_MIDDLE], [A_END]], "one value per node"),
    ([[A_END, 0], [A_MIDDLE, 0]], "shape (2, 2)"),
    ([[A_END, 0], [A_MIDDLE], [A_END, 0]], "different lengths"),
    ("0.9, 1.15, 0.9", "assign a nested list"),
    ([["0.91", "0"], ["1.15", "0"], ["0.91", "0"]], "write numbers"),
    ([[True, False]] * 3, "write numbers"),
    ({"node 0": [0.9, 0]}, "assign a nested list"),
    (AlwaysEqual(), "plain values"),
])
def test_gcn_step_hints(answer, hint, capsys):
    verdict, out = run(lesson10.gcn_step, answer, capsys)
    assert not verdict and hint in out, out
    assert not any(value in out for value in STEP_SHOWN if value not in repr(answer)), out


def test_gcn_step_hints_stop_after_three_different_wrong_predictions(capsys):
    for wrong in ([[1, 0]] * 3, [[2, 0], [3, 0], [2, 0]], [[1, 0]] * 3, [[1, 0], [2, 0], [1, 0]],
                  [[0.5, 0], [0.333, 0], [0.5, 0]]):
        assert not lesson10.gcn_step(wrong)
    out = capsys.readouterr().out.strip().splitlines()
    assert not any("hints stop" in line for line in out[:4])  # the same answer twice: 3 tries
    assert "4 different answers tried (hints stop after 3)" in out[4]
    assert not lesson10.gcn_step(STEP)  # no search by loop
    lesson10.gcn_step.forget_tries()
    assert lesson10.gcn_step(STEP)


@pytest.mark.parametrize("cell", [
    "predicted_step = np.maximum(A_norm @ np.ones((3, 1)) @ np.array([[1.0, -1.0]]), 0)",
    "predicted_step = (path_norm @ step_H @ step_W).clip(0).tolist()",
    "predicted_step = [[END, 0], [MIDDLE, 0], [END, 0]]",
])
def test_a_computed_prediction_is_refused(cell, capsys, monkeypatch):
    import IPython

    history = ["", cell, "course.check.lesson10.gcn_step(predicted_step)"]
    shell = types.SimpleNamespace(user_ns={"In": history})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not lesson10.gcn_step(STEP)
    assert "a prediction is values you write, not code" in capsys.readouterr().out
    history[1] = "predicted_step = [[0.5 + 0.408, 0], [0.408 + 0.333 + 0.408, 0], [0.91, 0]]"
    assert lesson10.gcn_step([[0.5 + 0.408, 0], [0.408 + 0.333 + 0.408, 0], [0.91, 0]])
    assert not lesson10.gcn_step(STEP)  # not the values its cell wrote
    assert "is not what its cell wrote" in capsys.readouterr().out


def test_the_checker_s_layer_is_the_one_the_lesson_states_and_runs():
    source = cell_source(LESSON, 'if course.check.done(predicted_step, "10.3"):')
    np.testing.assert_array_equal(assigned(source, "step_H"), lesson10.STEP_H)
    np.testing.assert_array_equal(assigned(source, "step_W"), lesson10.STEP_W)
    layer = graphs.GCNLayer(2, activation="relu", use_bias=False)
    a = adjacency(lesson10.STEP_EDGES, lesson10.STEP_NODES)
    h = np.array(lesson10.STEP_H, dtype="float32")
    layer.build((h.shape, a.shape))
    layer.set_weights([np.array(lesson10.STEP_W, dtype="float32")])
    measured = np.asarray(layer((h, graphs.normalized_adjacency(a))))
    np.testing.assert_allclose(measured, STEP, atol=1e-6)
    assert adjacency(lesson10.STEP_EDGES, 3).tolist() == nx.to_numpy_array(
        nx.path_graph(3)).tolist()  # section 2's path


# --- 10.5: a prediction, with few tries and hints that name no node ----------------------

REACH = [1, 2, 3, 4, 5, 8]


@pytest.mark.parametrize("answer", [REACH, tuple(REACH), REACH[::-1]])
def test_gcn_reach_passes_the_two_hop_neighbourhood(answer, capsys):
    verdict, out = run(lesson10.gcn_reach, answer, capsys)
    assert verdict and "correct - " in out, out


@pytest.mark.parametrize("answer, hint", [
    (..., "not attempted yet"),
    ([1, 5, 8], "only the farthest nodes"),
    ([2, 3, 4], "reach of one layer"),
    ([2, 4], "node 3's neighbours"),
    ([1, 2, 4, 5, 8], "node 3 itself is missing"),
    ([0, 1, 2, 3, 4, 5, 6, 8, 9], "reach of three layers"),
    (list(range(10)), "not every node"),  # the shortcut: everything is connected
    ([2, 2, 3, 4, 5, 8], "some nodes the change reaches are missing"),  # test_student's
    ([1, 2, 3, 4, 5, 8, 9], "some of your nodes are out of reach"),  # near miss; no node named
    ([0, 1, 2, 3, 4, 8], "misses nodes the change reaches and has nodes out of its reach"),
    ([1, 2, 3, 12], "no node 12"),
    (3, "assign a list"),
    # a list is asked: a dict iterates over its keys, a set or an array is not what is written
    (dict.fromkeys(REACH, 0), "predicted_changed is dict; assign a list"),
    (set(REACH), "predicted_changed is set; assign a list"),
    (np.array(REACH), "predicted_changed is ndarray; assign a list"),
])
def test_gcn_reach_hints(answer, hint, capsys):
    verdict, out = run(lesson10.gcn_reach, answer, capsys)
    assert not verdict and hint in out, out


@pytest.mark.parametrize("node", range(10))
def test_a_prediction_one_node_off_is_told_no_node(node, capsys):
    wrong = sorted(set(REACH) ^ {node})
    assert not lesson10.gcn_reach(wrong)
    line = capsys.readouterr().out
    assert "not yet - " in line
    if node != lesson10.REACH_SOURCE:  # the node the statement names may be named
        assert not re.search(rf"\bnodes? {node}\b", line), line
    assert str(REACH) not in line and ", ".join(map(str, REACH)) not in line


def test_hints_stop_after_three_different_wrong_predictions(capsys):
    for wrong in ([2, 3, 4], [1, 2, 3], [2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4, 5]):
        assert not lesson10.gcn_reach(wrong)
    out = capsys.readouterr().out.strip().splitlines()
    assert not any("hints stop" in line for line in out[:4])  # the same answer twice: 3 tries
    assert "4 different answers tried (hints stop after 3)" in out[4]
    assert not lesson10.gcn_reach(REACH)  # no search by loop
    lesson10.gcn_reach.forget_tries()
    assert lesson10.gcn_reach(REACH)


def test_the_nodes_the_checker_expects_are_the_ones_that_change():
    a = np.zeros((lesson10.REACH_NODES,) * 2, dtype="float32")
    for i, j in lesson10.REACH_EDGES:
        a[i, j] = a[j, i] = 1
    a_norm = graphs.normalized_adjacency(a)
    h = np.random.default_rng(3).standard_normal((lesson10.REACH_NODES, 4)).astype("float32")
    changed = h.copy()
    changed[lesson10.REACH_SOURCE] += 1.0
    keras.utils.set_random_seed(3)
    layers = [graphs.GCNLayer(4, activation="tanh") for _ in range(lesson10.REACH_LAYERS)]
    before, after = h, changed
    for layer in layers:
        before, after = layer((before, a_norm)), layer((after, a_norm))
    moved = np.abs(np.asarray(after) - np.asarray(before)).max(axis=1)
    assert np.flatnonzero(moved > 1e-6).tolist() == REACH


def test_lesson_10_draws_and_measures_the_checker_s_graph():
    source = cell_source(LESSON, "reach_edges = ")
    assert assigned(source, "reach_edges") == lesson10.REACH_EDGES


# --- the predictions meet wrong answers of every kind -------------------------------------

WRONG_PREDICTIONS = {  # a computed prediction, the shortcut, is refused above
    "gcn_step": [
        ("an average", [[1, 0], [1, 0], [1, 0]]),
        ("no ReLU", [[A_END, -A_END], [A_MIDDLE, -A_MIDDLE], [A_END, -A_END]]),
        ("no normalization", [[2, 0], [3, 0], [2, 0]]),
        ("always equal", AlwaysEqual()),
        ("a string", "[[0.91, 0], [1.15, 0], [0.91, 0]]"),
        ("transposed", [[A_END, A_MIDDLE, A_END], [0, 0, 0]]),
    ],
    "gcn_reach": [
        ("one layer", [2, 3, 4]),
        ("everything", list(range(10))),
        ("always equal", AlwaysEqual()),
        ("a string", "1, 2, 3, 4, 5, 8"),
        ("a number", 6),
        ("a dict whose keys are the nodes", dict.fromkeys(REACH, 0)),
    ],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG_PREDICTIONS.items()
                          for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "")
def test_a_wrong_prediction_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson10, checker), answer, capsys, LESSON, checker, kind)


def test_every_shortcut_the_checkers_refuse_can_be_found():
    """A name the watch cannot resolve is left out silently: each must resolve here."""
    from course.check.core import _resolve

    for name in (*lesson10.ADJACENCY_SHORTCUTS, *lesson10.NORMALIZE_SHORTCUTS,
                 *lesson10.READOUT_SHORTCUTS):
        assert callable(_resolve(name)), name

