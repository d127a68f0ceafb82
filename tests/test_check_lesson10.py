"""The checkers of lesson 10: right answers pass, stubs and typical mistakes get their hints,
and (issue 26, item 8) every checker meets wrong answers of every kind: a plausible mistake,
a shortcut through the course, networkx or Keras, a table of the old checker's fixed cases,
an always-equal object and a type slip, each refused on fresh draws with a hint that holds
no line of the solution."""

import re

import keras
import networkx as nx
import numpy as np
import pytest
import tensorflow as tf
from cheats import AlwaysEqual, refused_every_time

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


@pytest.mark.parametrize("checker, right, wrong, hint", [
    (lesson10.adjacency_matrix, adjacency, directed, "undirected"),
    (lesson10.adjacency_matrix, adjacency, with_loops, "self-loops later"),
    (lesson10.adjacency_matrix, adjacency, lambda e, n: adjacency(e, n + 1), "one row and one"),
    (lesson10.normalize_adjacency, normalize, normalize_without_loops, "forgot the self-loops"),
    (lesson10.normalize_adjacency, normalize, normalize_degrees_of_a, "degrees of Â"),
    (lesson10.normalize_adjacency, normalize, normalize_rows, "row average"),
    (lesson10.normalize_adjacency, normalize, normalize_full_inverse, "D̂^-1 instead of D̂^-1/2"),
    (lesson10.normalize_adjacency, normalize, normalize_left_only, "left only"),
    (lesson10.normalize_adjacency, normalize, normalize_elementwise, "`@`"),
    (lesson10.normalize_adjacency, normalize, normalize_power_of_matrix, "inf or nan"),
    (lesson10.normalize_adjacency, normalize, normalize_in_place, "changed the matrix A"),
    (lesson10.gcn_step, lambda a, h, w: np.maximum(a @ h @ w, 0), lambda a, h, w: a @ h @ w,
     "ends with a ReLU"),
    (lesson10.gcn_step, lambda a, h, w: np.maximum(a @ h @ w, 0),
     lambda a, h, w: np.maximum(h @ w, 0), "its own features"),
    (lesson10.gcn_step, lambda a, h, w: np.maximum(a @ h @ w, 0),
     lambda a, h, w: a @ np.maximum(h @ w, 0), "ReLU comes last"),
    (lesson10.gcn_step, lambda a, h, w: np.maximum(a @ h @ w, 0),
     lambda a, h, w: np.maximum(h.T @ a, 0), "(6, 2)"),
    (lesson10.mean_readout, lambda h: h.mean(axis=0), lambda h: h.mean(axis=1), "axis 0"),
    (lesson10.mean_readout, lambda h: h.mean(axis=0), lambda h: h.mean(), "one number"),
    (lesson10.mean_readout, lambda h: h.mean(axis=0), lambda h: h.sum(axis=0), "sum readout"),
    (lesson10.mean_readout, lambda h: h.mean(axis=0), lambda h: h[0], "values are off"),
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


def test_readout_that_depends_on_node_order(capsys):
    calls = []

    def first_call_right(h):
        calls.append(1)
        return h.mean(axis=0) if len(calls) == 1 else h[0]

    assert not lesson10.mean_readout(first_call_right)
    assert "another order" in capsys.readouterr().out


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
_old = np.random.default_rng(10)
OLD_H, OLD_W = _old.standard_normal((6, 3)), _old.standard_normal((3, 2))
OLD_READOUT_H = np.random.default_rng(11).standard_normal((7, 3)) + 1


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


def sorts_the_edges(edges, n):
    edges.sort()
    return adjacency(edges, n)


def gcn_by_dense(a, h, w):
    dense = keras.layers.Dense(w.shape[1], use_bias=False, activation="relu")
    dense.build((None, w.shape[0]))
    dense.set_weights([w])
    return np.asarray(dense(a @ h))


def relu_in_place(a, h, w):
    np.maximum(h, 0, out=h)
    return np.maximum(a @ h @ w, 0)


def sorts_the_nodes(h):
    h.sort(axis=0)
    return h.mean(axis=0)


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
    ],
    "normalize_adjacency": [
        ("no self-loops", normalize_without_loops),
        ("degrees of A", normalize_degrees_of_a),
        ("row average", normalize_rows),
        ("elementwise", normalize_elementwise),
        ("power of the matrix", normalize_power_of_matrix),
        ("in place", normalize_in_place),
        ("course shortcut", lambda a: graphs.normalized_adjacency(a)),
        ("table", table({key(OLD_A): OLD_A_NORM}, lambda a: a)),
        ("always equal", lambda a: AlwaysEqual()),
        ("a nested list", lambda a: normalize(a).tolist()),
        ("None", lambda a: None),
    ],
    "gcn_step": [
        ("no ReLU", lambda a, h, w: a @ h @ w),
        ("no mixing", lambda a, h, w: np.maximum(h @ w, 0)),
        ("ReLU first", lambda a, h, w: a @ np.maximum(h @ w, 0)),
        ("transposed", lambda a, h, w: np.maximum(a @ h @ w, 0).T),
        ("GCNLayer shortcut", lambda a, h, w: np.asarray(
            graphs.GCNLayer(w.shape[1], activation="relu", use_bias=False)((h, a)))),
        ("Dense shortcut", gcn_by_dense),
        ("keras.ops shortcut", lambda a, h, w: np.asarray(keras.ops.relu(a @ h @ w))),
        ("tensorflow shortcut", lambda a, h, w: tf.nn.relu(tf.matmul(a, h @ w)).numpy()),
        ("table", table({key(OLD_A_NORM, OLD_H, OLD_W): np.maximum(OLD_A_NORM @ OLD_H @ OLD_W,
                                                                   0)},
                        lambda a, h, w: np.zeros((len(a), w.shape[1])))),
        ("always equal", lambda a, h, w: AlwaysEqual()),
        ("a nested list", lambda a, h, w: np.maximum(a @ h @ w, 0).tolist()),
        ("changes H", relu_in_place),
    ],
    "mean_readout": [
        ("axis 1", lambda h: h.mean(axis=1)),
        ("one number", lambda h: h.mean()),
        ("sum", lambda h: h.sum(axis=0)),
        ("max", lambda h: h.max(axis=0)),
        ("first node", lambda h: h[0]),
        ("keepdims", lambda h: h.mean(axis=0, keepdims=True)),
        ("GraphReadout shortcut", lambda h: np.asarray(graphs.GraphReadout("mean")(h))),
        ("pooling shortcut", lambda h: np.asarray(
            keras.layers.GlobalAveragePooling1D()(h[None]))[0]),
        ("keras.ops shortcut", lambda h: np.asarray(keras.ops.mean(h, axis=0))),
        ("table", table({key(OLD_READOUT_H): OLD_READOUT_H.mean(axis=0)},
                        lambda h: np.zeros(h.shape[1]))),
        ("always equal", lambda h: AlwaysEqual()),
        ("a list", lambda h: list(h.mean(axis=0))),
        ("changes H", sorts_the_nodes),
    ],
}
RIGHT = {
    "adjacency_matrix": [adjacency, lambda edges, n: adjacency(edges, n).astype(int)],
    "normalize_adjacency": [normalize],
    "gcn_step": [lambda a, h, w: np.maximum(a @ h @ w, 0), lambda a, h, w: np.where(
        a @ (h @ w) > 0, a @ (h @ w), 0.0)],
    "mean_readout": [lambda h: h.mean(axis=0), lambda h: np.sum(h, axis=0) / len(h)],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson10, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for answer in RIGHT[checker]:
        for _ in range(20):
            assert getattr(lesson10, checker)(answer), capsys.readouterr().out


def test_the_shortcuts_are_named(capsys):
    for checker, kind, name in [("adjacency_matrix", "networkx shortcut", "to_numpy_array"),
                                ("gcn_step", "Dense shortcut", "Dense.call"),
                                ("gcn_step", "keras.ops shortcut", "ops.relu"),
                                ("gcn_step", "tensorflow shortcut", "gen_math_ops.mat_mul"),
                                ("mean_readout", "pooling shortcut", "GlobalAveragePooling1D"),
                                ("mean_readout", "keras.ops shortcut", "ops.mean")]:
        getattr(lesson10, checker)(dict(WRONG[checker])[kind])
        assert name in capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"gcn_reach"}  # a prediction: below
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_no_answer_can_be_imported_from_the_checker_module():
    assert not hasattr(lesson10, "_adjacency") and not hasattr(lesson10, "_hops_from")


def test_isolated_nodes_get_their_own_hint(capsys):
    def zero_degree(a):  # right on graphs where every node has an edge
        if a.sum(axis=1).all():
            return normalize(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return normalize_degrees_of_a(a)

    assert not lesson10.normalize_adjacency(zero_degree)
    assert "has no edge: its degree in A is 0" in capsys.readouterr().out


# --- 10.5: a prediction, with few tries and hints that name no node ----------------------

REACH = {1, 2, 3, 4, 5, 8}


def tries(check) -> set:
    """The different wrong answers ``check`` has counted in this process."""
    cells = dict(zip(check.__code__.co_freevars, check.__closure__, strict=True))
    return cells["tried"].cell_contents


@pytest.fixture(autouse=True)
def fresh_tries():
    tries(lesson10.gcn_reach).clear()
    yield
    tries(lesson10.gcn_reach).clear()


@pytest.mark.parametrize("node", range(10))
def test_a_prediction_one_node_off_is_told_no_node(node, capsys):
    wrong = sorted(REACH ^ {node})
    assert not lesson10.gcn_reach(wrong)
    line = capsys.readouterr().out
    assert "not yet - " in line
    if node != lesson10.REACH_SOURCE:  # the node the statement names may be named
        assert not re.search(rf"\bnodes? {node}\b", line), line
    assert str(sorted(REACH)) not in line and ", ".join(map(str, sorted(REACH))) not in line


def test_hints_stop_after_three_different_wrong_predictions(capsys):
    for wrong in ([2, 3, 4], [1, 2, 3], [2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4, 5]):
        assert not lesson10.gcn_reach(wrong)
    out = capsys.readouterr().out.strip().splitlines()
    assert not any("hints stop" in line for line in out[:4])  # the same answer twice: 3 tries
    assert "4 different answers tried (hints stop after 3)" in out[4]
    assert lesson10.gcn_reach(sorted(REACH))
