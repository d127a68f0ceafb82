"""The checkers of lesson 10: right answers pass, stubs and typical mistakes get their hints."""

import numpy as np
import pytest

from course.check import lesson10


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
     "apply the ReLU"),
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
