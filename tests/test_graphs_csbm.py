"""course.graphs' contextual stochastic block model and label propagation (lesson 10)."""

import networkx as nx
import numpy as np
import pytest

from course import graphs


def test_contextual_sbm_shapes_and_graph():
    x, a, y = graphs.contextual_sbm(n_per_class=40, n_classes=3, n_features=5, seed=1)
    assert x.shape == (120, 5) and x.dtype == np.float32
    assert a.shape == (120, 120) and a.dtype == np.float32
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 40))
    np.testing.assert_array_equal(a, a.T)
    assert set(np.unique(a)) <= {0.0, 1.0} and not np.diag(a).any()


def test_contextual_sbm_is_seeded():
    first, again = graphs.contextual_sbm(seed=3), graphs.contextual_sbm(seed=3)
    for one, two in zip(first, again, strict=True):
        np.testing.assert_array_equal(one, two)
    assert not np.array_equal(first[1], graphs.contextual_sbm(seed=4)[1])


def test_contextual_sbm_edge_probabilities():
    # 400 nodes per class: about 80,000 pairs inside each class and 160,000 across
    _, a, y = graphs.contextual_sbm(n_per_class=400, p_in=0.1, p_out=0.02, seed=0)
    same = y[:, None] == y[None, :]
    off_diagonal = ~np.eye(len(y), dtype=bool)
    assert abs(a[same & off_diagonal].mean() - 0.1) < 0.005
    assert abs(a[~same].mean() - 0.02) < 0.002


@pytest.mark.slow
def test_contextual_sbm_features_are_class_means_plus_unit_noise():
    x, _, y = graphs.contextual_sbm(n_per_class=3000, n_classes=3, n_features=6, signal=2.0,
                                    seed=2)
    means = np.stack([x[y == c].mean(axis=0) for c in range(3)])
    for i in range(3):
        for j in range(i):
            assert abs(np.linalg.norm(means[i] - means[j]) - 2.0) < 0.1  # `signal` apart
    noise = x - means[y]
    assert abs(noise.std() - 1.0) < 0.02


@pytest.mark.parametrize("kwargs, words", [
    ({"n_classes": 1}, "n_classes"),
    ({"n_classes": 5, "n_features": 4}, "n_features"),
    ({"n_per_class": 0}, "n_per_class"),
    ({"p_in": 1.5}, "probabilities"),
    ({"p_out": -0.1}, "probabilities"),
    ({"signal": -1}, "signal"),
])
def test_contextual_sbm_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        graphs.contextual_sbm(**kwargs)


def test_label_propagation_on_two_cliques():
    # two cliques of 4 joined by one edge; one known node in each
    g = nx.barbell_graph(4, 0)
    a = nx.to_numpy_array(g, nodelist=range(8))
    predicted = graphs.label_propagation(a, np.array([0, 7]), np.array([0, 1]))
    np.testing.assert_array_equal(predicted, [0, 0, 0, 0, 1, 1, 1, 1])


def test_label_propagation_is_the_harmonic_solution():
    # on a path 0 - 1 - 2 - 3 - 4 with the ends known, the scores are linear in between
    a = nx.to_numpy_array(nx.path_graph(5), nodelist=range(5))
    predicted = graphs.label_propagation(a, np.array([0, 4]), np.array([1, 0]))
    np.testing.assert_array_equal(predicted[[0, 1, 3, 4]], [1, 1, 0, 0])


def test_label_propagation_keeps_known_labels_and_isolated_nodes():
    a = np.zeros((4, 4))
    a[0, 1] = a[1, 0] = 1  # node 2 and 3 have no edges
    predicted = graphs.label_propagation(a, np.array([1, 3]), np.array([2, 1]))
    assert predicted[0] == 2 and predicted[1] == 2 and predicted[3] == 1
    assert predicted[2] == 0  # undecided: equal scores, the first class


def test_label_propagation_beats_chance_on_a_csbm():
    _, a, y = graphs.contextual_sbm(n_per_class=100, p_in=0.1, p_out=0.02, seed=0)
    known = np.r_[0:10, 100:110]
    predicted = graphs.label_propagation(a, known, y[known])
    np.testing.assert_array_equal(predicted[known], y[known])
    assert np.mean(np.delete(predicted == y, known)) > 0.8
