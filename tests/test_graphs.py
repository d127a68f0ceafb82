"""course.graphs: the normalization, the GCN layer and the readout against NumPy and symmetry."""

import keras
import networkx as nx
import numpy as np
import pytest

from course import graphs

PATH3 = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=np.float32)


def random_graph(n, p=0.3, seed=0):
    return nx.to_numpy_array(nx.gnp_random_graph(n, p, seed=seed), dtype=np.float32)


def formula(a):
    """D^-1/2 (A + I) D^-1/2 written out with matrix inverses and powers."""
    a_hat = a + np.eye(len(a))
    d_inv_sqrt = np.linalg.inv(np.sqrt(np.diag(a_hat.sum(axis=1))))
    return d_inv_sqrt @ a_hat @ d_inv_sqrt


def test_normalized_adjacency_by_hand():
    # path 0-1-2 with self-loops: degrees 2, 3, 2
    r6 = 1 / np.sqrt(6)
    expected = [[1 / 2, r6, 0], [r6, 1 / 3, r6], [0, r6, 1 / 2]]
    np.testing.assert_allclose(graphs.normalized_adjacency(PATH3), expected, rtol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_normalized_adjacency_matches_formula_and_is_symmetric(seed):
    a = random_graph(12, seed=seed)
    got = graphs.normalized_adjacency(a)
    assert got.dtype == np.float32 and got.shape == (12, 12)
    np.testing.assert_allclose(got, formula(a), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got, got.T)
    assert np.isclose(np.linalg.eigvalsh(got).max(), 1.0, atol=1e-5)  # stable when stacked


def test_normalized_adjacency_weights_and_isolated_nodes():
    weighted = PATH3 * np.array([[0, 2, 0], [2, 0, 3], [0, 3, 0]])
    np.testing.assert_allclose(graphs.normalized_adjacency(weighted), formula(weighted),
                               rtol=1e-6)
    isolated = np.zeros((3, 3))
    isolated[0, 1] = isolated[1, 0] = 1
    np.testing.assert_allclose(graphs.normalized_adjacency(isolated)[2], [0, 0, 1])
    no_loops = graphs.normalized_adjacency(isolated, self_loops=False)
    assert np.all(np.isfinite(no_loops)) and not no_loops[2].any()


def test_degree_matrix():
    np.testing.assert_array_equal(graphs.degree_matrix(PATH3), np.diag([1, 2, 1]))


@pytest.mark.parametrize("bad, words", [
    (np.zeros((3, 4)), "square"),
    (np.zeros(3), "square"),
    (np.zeros((2, 3, 3)), "square"),
    (-PATH3, "negative"),
    (np.array([[0, np.nan], [np.nan, 0]]), "finite"),
])
def test_normalized_adjacency_rejects_bad_input(bad, words):
    with pytest.raises(ValueError, match=words):
        graphs.normalized_adjacency(bad)
    with pytest.raises(ValueError, match=words):
        graphs.degree_matrix(bad)


def gcn(units, n_features, activation="relu", seed=0):
    keras.utils.set_random_seed(seed)
    layer = graphs.GCNLayer(units, activation=activation)
    layer.build([(None, n_features), (None, None)])
    layer.bias.assign(np.random.default_rng(seed).standard_normal(units))
    return layer


def test_gcn_layer_is_the_numpy_formula():
    rng = np.random.default_rng(1)
    a = graphs.normalized_adjacency(random_graph(10, seed=1))
    h = rng.standard_normal((10, 5)).astype(np.float32)
    layer = gcn(3, 5)
    w, b = (np.asarray(v) for v in (layer.kernel, layer.bias))
    expected = np.maximum(a @ h @ w + b, 0)
    np.testing.assert_allclose(layer((h, a)), expected, rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 5 * 3 + 3


def test_gcn_layer_batched_and_in_a_model():
    rng = np.random.default_rng(2)
    a = np.stack([graphs.normalized_adjacency(random_graph(8, seed=s)) for s in range(4)])
    h = rng.standard_normal((4, 8, 2)).astype(np.float32)
    layer = gcn(6, 2, activation=None)
    w, b = (np.asarray(v) for v in (layer.kernel, layer.bias))
    out = np.asarray(layer((h, a)))
    assert out.shape == (4, 8, 6)
    for i in range(4):
        np.testing.assert_allclose(out[i], a[i] @ h[i] @ w + b, rtol=1e-5, atol=1e-5)
    features, adjacency = keras.Input((8, 2)), keras.Input((8, 8))
    model = keras.Model([features, adjacency], layer([features, adjacency]))
    np.testing.assert_allclose(model.predict([h, a], verbose=0), out, rtol=1e-5, atol=1e-6)


def test_gcn_layer_is_permutation_equivariant():
    rng = np.random.default_rng(3)
    a = random_graph(9, p=0.4, seed=3)
    h = rng.standard_normal((9, 4)).astype(np.float32)
    layer = gcn(5, 4, activation="tanh")
    perm = rng.permutation(9)
    out = np.asarray(layer((h, graphs.normalized_adjacency(a))))
    permuted = np.asarray(layer((h[perm], graphs.normalized_adjacency(a[np.ix_(perm, perm)]))))
    np.testing.assert_allclose(permuted, out[perm], rtol=1e-5, atol=1e-6)
    assert not np.allclose(out[perm], out)  # the rows really moved


@pytest.mark.parametrize("features, adjacency, words", [
    ((5, 3), (5, 4), "square"),
    ((6, 3), (5, 5), "6 rows but the adjacency has 5 nodes"),
    ((2, 6, 3), (2, 5, 5), "6 rows"),
    ((3,), (3, 3), "node features"),
])
def test_gcn_layer_rejects_mismatched_shapes(features, adjacency, words):
    layer = graphs.GCNLayer(2)
    with pytest.raises(ValueError, match=words):
        layer((np.zeros(features, np.float32), np.zeros(adjacency, np.float32)))


def test_gcn_layer_rejects_bad_units_and_round_trips_its_config():
    with pytest.raises(ValueError, match="units"):
        graphs.GCNLayer(0)
    layer = graphs.GCNLayer(7, activation="relu", use_bias=False, name="g")
    clone = graphs.GCNLayer.from_config(layer.get_config())
    assert (clone.units, clone.use_bias, clone.name) == (7, False, "g")
    assert clone.activation is keras.activations.relu


@pytest.mark.parametrize("mode, reduce", [("mean", np.mean), ("sum", np.sum), ("max", np.max)])
def test_readout_pools_nodes_and_ignores_their_order(mode, reduce):
    rng = np.random.default_rng(4)
    h = rng.standard_normal((3, 7, 4)).astype(np.float32)
    readout = graphs.GraphReadout(mode)
    out = np.asarray(readout(h))
    np.testing.assert_allclose(out, reduce(h, axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(readout(h[:, rng.permutation(7)]), out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(readout(h[0]), out[0], rtol=1e-5, atol=1e-6)  # one graph


def test_readout_rejects_unknown_mode_and_flat_input():
    with pytest.raises(ValueError, match="mean, sum, max"):
        graphs.GraphReadout("median")
    with pytest.raises(ValueError, match="n_nodes"):
        graphs.GraphReadout()(np.zeros(4, np.float32))


def test_gcn_then_readout_is_permutation_invariant():
    rng = np.random.default_rng(5)
    a = random_graph(10, p=0.3, seed=5)
    h = rng.standard_normal((10, 3)).astype(np.float32)
    layer, readout = gcn(4, 3), graphs.GraphReadout("sum")
    perm = rng.permutation(10)
    one = readout(layer((h, graphs.normalized_adjacency(a))))
    other = readout(layer((h[perm], graphs.normalized_adjacency(a[np.ix_(perm, perm)]))))
    np.testing.assert_allclose(one, other, rtol=1e-5, atol=1e-5)


def test_karate_club():
    club = graphs.karate_club()
    a = club.adjacency
    assert a.shape == (34, 34) and a.dtype == np.float32
    assert set(np.unique(a)) == {0.0, 1.0} and a.sum() == 2 * 78
    np.testing.assert_array_equal(a, a.T)
    assert not np.diag(a).any()
    assert club.classes == ("Mr. Hi", "Officer")
    assert club.labels[0] == 0 and club.labels[33] == 1
    assert np.bincount(club.labels).tolist() == [17, 17]


def test_community_graphs():
    x, a, y = graphs.community_graphs(200, n_nodes=10, seed=3)
    assert x.shape == (200, 10, 1) and a.shape == (200, 10, 10) and y.shape == (200,)
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_array_equal(a, a.transpose(0, 2, 1))
    assert not np.einsum("gii->", a)  # no self-loops
    edges = a.sum(axis=(1, 2)) / 2
    assert abs(edges[y == 0].mean() - edges[y == 1].mean()) < 2  # same density on average
    x2, a2, y2 = graphs.community_graphs(200, n_nodes=10, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(a, a2) and np.array_equal(y, y2)
    assert not np.array_equal(a, graphs.community_graphs(200, n_nodes=10, seed=4)[1])


@pytest.mark.parametrize("kwargs", [{"count": 0}, {"count": 4, "n_nodes": 5},
                                    {"count": 4, "p_in": 1.5}, {"count": 4, "noise": -1}])
def test_community_graphs_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        graphs.community_graphs(**kwargs)


def test_a_model_with_gcn_and_readout_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    features, adjacency = keras.Input((6, 2)), keras.Input((6, 6))
    h = graphs.GCNLayer(3, activation="relu")([features, adjacency])
    out = keras.layers.Dense(1)(graphs.GraphReadout("max")(h))
    model = keras.Model([features, adjacency], out)
    x = np.random.default_rng(6).standard_normal((2, 6, 2)).astype(np.float32)
    a = np.stack([graphs.normalized_adjacency(random_graph(6, seed=s)) for s in (6, 7)])
    model.save(tmp_path / "gcn.keras")
    loaded = keras.saving.load_model(tmp_path / "gcn.keras")
    np.testing.assert_allclose(loaded.predict([x, a], verbose=0), model.predict([x, a], verbose=0),
                               rtol=1e-6)
