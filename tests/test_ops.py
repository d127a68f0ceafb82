"""course.ops against TensorFlow, OpenCV, Keras and the worked examples of the notes.

Random configurations are drawn once from a seeded generator; each test id names its
configuration, and so does every failure message.
"""

import os

import numpy as np
import pytest

from course import ops

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import cv2  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

TOL = 1e-4  # float32 against TensorFlow


def pair_or_int(a, b):
    return a if a == b else (a, b)


def as_pair(v):
    return (v, v) if isinstance(v, int) else v


def draw(rng):
    """``i(lo, hi)``: a random int from lo to hi inclusive."""
    return lambda lo, hi: int(rng.integers(lo, hi + 1))


def conv_cases(count, seed):
    """Random 2-D conv configurations, small enough for the dilated kernel to fit."""
    rng = np.random.default_rng(seed)
    i = draw(rng)
    cases = []
    for _ in range(count):
        case = dict(n=i(1, 2), h=i(9, 16), w=i(9, 16), c=i(1, 4), kh=i(1, 5), kw=i(1, 5),
                    k=i(1, 5), stride=pair_or_int(i(1, 3), i(1, 3)),
                    dilation=pair_or_int(i(1, 2), i(1, 2)),
                    padding=str(rng.choice(["valid", "same"])), seed=i(0, 10**6))
        case["batched"] = case["n"] == 2 or bool(rng.integers(2))  # else (H, W, C)
        cases.append(case)
    return cases


def case_id(case):
    return "-".join(f"{key}{value}".replace(" ", "") for key, value in case.items()
                    if key != "seed")


def conv_arrays(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["h"], case["w"], case["c"])).astype(np.float32)
    k = rng.standard_normal((case["kh"], case["kw"], case["c"], case["k"])).astype(np.float32)
    return x, k


def dilated(k, dilation, n=2):
    """The kernel with dilation-1 zeros between taps: the same convolution, undilated."""
    d = (dilation,) * n if isinstance(dilation, int) else dilation
    spans = [(f - 1) * r + 1 for f, r in zip(k.shape[:n], d, strict=True)]
    out = np.zeros((*spans, *k.shape[n:]), k.dtype)
    out[tuple(slice(None, None, r) for r in d)] = k
    return out


def max_err(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


# ---------------------------------------------------------------- forward vs TensorFlow


@pytest.mark.parametrize("case", conv_cases(240, seed=0), ids=case_id)
def test_correlate2d_matches_tf_conv2d(case):
    x, k = conv_arrays(case)
    expected = tf.nn.conv2d(x, k, strides=as_pair(case["stride"]),
                            padding=case["padding"].upper(),
                            dilations=as_pair(case["dilation"])).numpy()
    if not case["batched"]:
        x, expected = x[0], expected[0]
    ours = ops.correlate2d(x, k, case["stride"], case["padding"], case["dilation"])
    assert ours.shape == expected.shape, f"{case}: shape {ours.shape} != {expected.shape}"
    assert max_err(ours, expected) <= TOL, f"{case}: max abs error {max_err(ours, expected)}"


@pytest.mark.parametrize("stride,padding,dilation", [(1, "valid", 1), (2, "same", 1),
                                                     (3, "valid", 2), (2, "same", 3)])
def test_correlate1d_matches_tf_conv1d(stride, padding, dilation):
    rng = np.random.default_rng(stride * 10 + dilation)
    x = rng.standard_normal((2, 17, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 4)).astype(np.float32)
    expected = tf.nn.conv1d(x, k, stride, padding.upper(), dilations=dilation).numpy()
    assert max_err(ops.correlate1d(x, k, stride, padding, dilation), expected) <= TOL
    single = ops.correlate1d(x[0, :, 0], k[:, 0, 0], stride, padding, dilation)
    assert single.shape == expected.shape[1:2]


@pytest.mark.parametrize("stride,padding,dilation", [(1, "valid", 1), (2, "same", 1),
                                                     ((1, 2, 1), "valid", 2),
                                                     (2, "same", (1, 2, 2))])
def test_correlate3d_matches_tf_conv3d(stride, padding, dilation):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 7, 8, 9, 2)).astype(np.float32)
    k = rng.standard_normal((2, 3, 2, 2, 3)).astype(np.float32)
    # TF's CPU Conv3D has no dilation: spell the dilation out as zeros in the kernel.
    s = (stride,) * 3 if isinstance(stride, int) else stride
    expected = tf.nn.conv3d(x, dilated(k, dilation, 3), [1, *s, 1], padding.upper()).numpy()
    assert max_err(ops.correlate3d(x, k, stride, padding, dilation), expected) <= TOL
    assert ops.correlate3d(x[0], k, stride, padding, dilation).shape == expected.shape[1:]


def test_dtypes_and_layouts():
    x = np.arange(30, dtype=np.uint8).reshape(5, 6)
    k = np.ones((3, 3), np.float32)
    assert ops.correlate2d(x, k).dtype == np.float64  # int image -> float64
    assert ops.correlate2d(x.astype(np.float32), k).dtype == np.float32
    assert ops.correlate2d(x, k).shape == (3, 4)  # 2-D in, 2-D out
    np.testing.assert_array_equal(ops.correlate2d(x > 10, k), ops.correlate2d(x > 10.0, k))


# ---------------------------------------------------------------- OpenCV


@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (3, 5), (1, 3), (7, 1)])
def test_correlate2d_matches_cv2_filter2d(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal((13, 15))
    k = rng.standard_normal(shape)
    same = cv2.filter2D(x, cv2.CV_64F, k, borderType=cv2.BORDER_CONSTANT)
    assert max_err(ops.correlate2d(x, k, padding="same"), same) <= 1e-10
    x32 = x.astype(np.float32)
    valid = cv2.filter2D(x32, cv2.CV_32F, k.astype(np.float32))  # interior: no border
    top, left = shape[0] // 2, shape[1] // 2
    ours = ops.correlate2d(x32, k.astype(np.float32))
    assert max_err(ours, valid[top:top + ours.shape[0], left:left + ours.shape[1]]) <= TOL


@pytest.mark.parametrize("shape", [(2, 2), (4, 3), (2, 5)])
def test_even_kernels_need_another_anchor_in_opencv(shape):
    """OpenCV centres an even kernel one pixel later than TF's "same"; anchor fixes it."""
    rng = np.random.default_rng(sum(shape))
    x, k = rng.standard_normal((9, 11)), rng.standard_normal(shape)
    anchor = ((shape[1] - 1) // 2, (shape[0] - 1) // 2)
    by_cv2 = cv2.filter2D(x, cv2.CV_64F, k, anchor=anchor, borderType=cv2.BORDER_CONSTANT)
    assert max_err(ops.correlate2d(x, k, padding="same"), by_cv2) <= 1e-10
    default = cv2.filter2D(x, cv2.CV_64F, k, borderType=cv2.BORDER_CONSTANT)
    assert max_err(ops.correlate2d(x, k, padding="same"), default) > 1e-3


@pytest.mark.parametrize("mode,border", [("constant", cv2.BORDER_CONSTANT),
                                         ("reflect", cv2.BORDER_REFLECT_101),
                                         ("edge", cv2.BORDER_REPLICATE),
                                         ("wrap", cv2.BORDER_WRAP)])
def test_pad_modes_match_opencv_borders(mode, border):
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((7, 9)), rng.standard_normal((3, 5))
    padded = ops.pad(x, "same", k.shape, mode=mode)
    np.testing.assert_array_equal(padded, cv2.copyMakeBorder(x, 1, 1, 2, 2, border))
    if mode != "wrap":  # filter2D has no BORDER_WRAP
        by_cv2 = cv2.filter2D(x, cv2.CV_64F, k, borderType=border)
        assert max_err(ops.correlate2d(padded, k), by_cv2) <= 1e-10


def test_pad_same_puts_the_odd_pixel_bottom_right():
    padded = ops.pad(np.ones((4, 4, 2)), "same", 2)
    assert padded.shape == (5, 5, 2)
    assert padded[-1].sum() == 0 and padded[:, -1].sum() == 0 and padded[0, 0, 0] == 1
    assert ops.pad(np.ones((1, 5, 5, 1)), "same", 3, stride=2).shape == (1, 7, 7, 1)
    assert ops.pad(np.ones((5, 5)), (1, 2), 3).shape == (8, 8)


def test_convolve2d_flips_the_kernel():
    """An impulse comes out as the kernel itself under convolution, flipped under correlation."""
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1
    k = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(ops.convolve2d(impulse, k), k)
    np.testing.assert_array_equal(ops.correlate2d(impulse, k), k[::-1, ::-1])
    rng = np.random.default_rng(4)
    x, k = rng.standard_normal((9, 10)), rng.standard_normal((3, 5))
    by_cv2 = cv2.filter2D(x, cv2.CV_64F, cv2.flip(k, -1), borderType=cv2.BORDER_CONSTANT)
    assert max_err(ops.convolve2d(x, k, padding="same"), by_cv2) <= 1e-10


# ---------------------------------------------------------------- pooling


def pool_cases(count, seed):
    rng = np.random.default_rng(seed)
    i = draw(rng)
    cases = []
    for _ in range(count):
        size = pair_or_int(i(1, 3), i(1, 3))
        stride = None if rng.integers(3) == 0 else pair_or_int(i(1, 3), i(1, 3))
        cases.append(dict(n=i(1, 2), h=i(4, 11), w=i(4, 11), c=i(1, 3), size=size,
                          stride=stride, padding=str(rng.choice(["valid", "same"])),
                          seed=i(0, 10**6)))
    return cases


def tf_pool(x, case, mode):
    size = as_pair(case["size"])
    stride = size if case["stride"] is None else as_pair(case["stride"])
    padding = case["padding"].upper()
    if mode == "max":
        return tf.nn.max_pool2d(x, size, stride, padding)
    if mode == "avg":
        return tf.nn.avg_pool2d(x, size, stride, padding)
    return -tf.nn.max_pool2d(-x, size, stride, padding)  # min pooling = -max(-x)


@pytest.mark.parametrize("mode", ["max", "avg", "min"])
@pytest.mark.parametrize("case", pool_cases(40, seed=1), ids=case_id)
def test_pool2d_matches_tf(case, mode):
    x = np.random.default_rng(case["seed"]).standard_normal(
        (case["n"], case["h"], case["w"], case["c"])).astype(np.float32)
    expected = tf_pool(x, case, mode).numpy()
    ours = ops.pool2d(x, case["size"], case["stride"], case["padding"], mode)
    assert ours.shape == expected.shape, f"{case}: shape {ours.shape} != {expected.shape}"
    assert max_err(ours, expected) <= TOL, f"{case} {mode}: error {max_err(ours, expected)}"


@pytest.mark.parametrize("size,stride", [(2, None), (3, 2), ((2, 3), (1, 2))])
def test_avg_pool_same_matches_keras_layer(size, stride):
    x = np.random.default_rng(5).standard_normal((2, 7, 9, 3)).astype(np.float32)
    layer = keras.layers.AveragePooling2D(size, stride, padding="same")
    expected = np.asarray(layer(x))
    assert max_err(ops.pool2d(x, size, stride, "same", "avg"), expected) <= TOL


def test_pool2d_seed_example():
    x = np.array([[1, 1, 2, 4],
                  [5, 6, 7, 8],
                  [3, 2, 1, 0],
                  [1, 2, 3, 4]])
    np.testing.assert_array_equal(ops.pool2d(x), [[6, 8], [3, 4]])
    np.testing.assert_array_equal(ops.pool2d(x, mode="avg"), [[3.25, 5.25], [2, 2]])
    np.testing.assert_array_equal(ops.pool2d(x, mode="min"), [[1, 2], [1, 0]])
    np.testing.assert_array_equal(ops.pool2d(x, 3, 1, "same")[0], [6, 7, 8, 8])


# ---------------------------------------------------------------- backward passes


@pytest.mark.parametrize("case", conv_cases(40, seed=2), ids=case_id)
def test_correlate2d_backward_matches_gradient_tape(case):
    x, k = conv_arrays(case)
    # TF's CPU gradient kernels refuse dilation > 1; a zero-dilated kernel is the same layer.
    x_var, k_var = tf.Variable(x), tf.Variable(dilated(k, case["dilation"]))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x_var, k_var, as_pair(case["stride"]), case["padding"].upper())
        g = np.random.default_rng(case["seed"] + 1).standard_normal(y.shape).astype(np.float32)
        loss = tf.reduce_sum(y * g)
    grad_x, grad_k = (t.numpy() for t in tape.gradient(loss, [x_var, k_var]))
    dh, dw = as_pair(case["dilation"])
    grad_k = grad_k[::dh, ::dw]
    if not case["batched"]:
        x, g, grad_x = x[0], g[0], grad_x[0]
    ours_x, ours_k = ops.correlate2d_backward(x, k, g, case["stride"], case["padding"],
                                              case["dilation"])
    assert max_err(ours_x, grad_x) <= TOL, f"{case}: grad_x error {max_err(ours_x, grad_x)}"
    assert max_err(ours_k, grad_k) <= TOL, f"{case}: grad_k error {max_err(ours_k, grad_k)}"


def test_correlate2d_backward_single_channel_and_strided_leftovers():
    """2-D in, 2-D out; pixels a stride never reaches get zero gradient."""
    x = np.random.default_rng(6).standard_normal((8, 8))
    k = np.ones((3, 3))
    grad_x, grad_k = ops.correlate2d_backward(x, k, np.ones((2, 2)), stride=3)
    assert grad_x.shape == (8, 8) and grad_k.shape == (3, 3)
    np.testing.assert_array_equal(grad_x[:6, :6], np.ones((6, 6)))
    assert not grad_x[6:].any() and not grad_x[:, 6:].any()
    np.testing.assert_allclose(grad_k, [[x[a::3, b::3][:2, :2].sum() for b in range(3)]
                                        for a in range(3)])


def test_correlate2d_backward_finite_differences():
    rng = np.random.default_rng(8)
    x, k = rng.standard_normal((1, 6, 7, 2)), rng.standard_normal((3, 2, 2, 3))
    args = dict(stride=(2, 1), padding="same", dilation=(1, 2))
    g = rng.standard_normal(ops.correlate2d(x, k, **args).shape)
    grad_x, grad_k = ops.correlate2d_backward(x, k, g, **args)
    eps = 1e-6

    def numeric(array, loss):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            bump = np.zeros_like(array)
            bump[index] = eps
            grad[index] = (loss(array + bump) - loss(array - bump)) / (2 * eps)
        return grad

    assert max_err(grad_x, numeric(x, lambda v: np.sum(ops.correlate2d(v, k, **args) * g))) < 1e-6
    assert max_err(grad_k, numeric(k, lambda v: np.sum(ops.correlate2d(x, v, **args) * g))) < 1e-6


@pytest.mark.parametrize("mode", ["max", "avg", "min"])
@pytest.mark.parametrize("case", pool_cases(25, seed=3), ids=case_id)
def test_pool2d_backward_matches_gradient_tape(case, mode):
    """Small integer inputs make ties common: TF picks the first in row-major order."""
    rng = np.random.default_rng(case["seed"])
    x = rng.integers(0, 3, (case["n"], case["h"], case["w"], case["c"])).astype(np.float32)
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf_pool(x_var, case, mode)
        g = rng.standard_normal(y.shape).astype(np.float32)
        loss = tf.reduce_sum(y * g)
    expected = tape.gradient(loss, x_var).numpy()
    ours = ops.pool2d_backward(x, g, case["size"], case["stride"], case["padding"], mode)
    assert max_err(ours, expected) <= TOL, f"{case} {mode}: error {max_err(ours, expected)}"


def test_max_pool_backward_tie_goes_to_first_cell():
    x = np.array([[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(ops.pool2d_backward(x, [[5.0]]), [[5, 0], [0, 0]])
    np.testing.assert_array_equal(ops.pool2d_backward(x, [[4.0]], mode="avg"), np.ones((2, 2)))


# ---------------------------------------------------------------- worked examples and arithmetic


def test_seed_correlation_example():
    x = np.array([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]])
    k = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(ops.correlate2d(x, k), [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_seed_arithmetic():
    assert ops.output_size(28, 4, stride=2, padding=1) == 14
    assert ops.output_size(32, 5, stride=1, padding=2) == 32
    assert ops.output_size(28, 5, padding="valid") == 24
    assert ops.output_size(28, 3, stride=2, padding=0, strict=False) == 13
    assert ops.output_size(8, 3, stride=2, padding=(1, 0)) == 4
    assert ops.conv_params(5, 3, 1) == 76
    assert ops.conv_params(5, 3, 10) == 760
    assert ops.conv_params((3, 5), 2, 4, bias=False) == 120
    assert ops.conv_macs(28, 28, 5, 192, 32) == 120_422_400
    bottleneck = ops.conv_macs(28, 28, 1, 192, 16) + ops.conv_macs(28, 28, 5, 16, 32)
    assert bottleneck == 12_443_648


@pytest.mark.parametrize("kernel,stride,padding,dilation", [
    (3, 1, "valid", 1), (4, 2, "same", 1), ((5, 2), (3, 2), "valid", 1),
    (3, 1, "same", 2), ((2, 3), 1, "valid", (2, 3)), (7, 3, "same", 1),
])
def test_arithmetic_matches_keras_conv2d(kernel, stride, padding, dilation):
    layer = keras.layers.Conv2D(6, kernel, strides=stride, padding=padding,
                                dilation_rate=dilation)
    shape = layer.compute_output_shape((None, 23, 20, 3))
    kh, kw = as_pair(kernel)
    (sh, sw), (dh, dw) = as_pair(stride), as_pair(dilation)
    assert shape[1:3] == (ops.output_size(23, kh, sh, padding, dh),
                          ops.output_size(20, kw, sw, padding, dw))
    layer.build((None, 23, 20, 3))
    assert layer.count_params() == ops.conv_params(kernel, 3, 6)
    x = np.zeros((1, 23, 20, 3), np.float32)
    assert ops.correlate2d(x, layer.kernel.numpy(), stride, padding, dilation).shape[1:3] \
        == tuple(shape[1:3])


# ---------------------------------------------------------------- bad input

X2, K2, X3 = np.ones((6, 6)), np.ones((3, 3)), np.ones((6, 6, 3))
BAD = [
    (lambda: ops.correlate2d(X3, K2), r"x has shape \(6, 6, 3\) and k has shape \(3, 3\)"),
    (lambda: ops.correlate1d(X2, K2), r"correlate1d takes x \(L,\) with k \(kl,\)"),
    (lambda: ops.correlate2d(X3, np.ones((3, 3, 2, 4))), r"x has 3 channels .* 2 input"),
    (lambda: ops.correlate2d(X2, K2, dilation=3), r"k spans 7x7 pixels .* only 6x6"),
    (lambda: ops.correlate2d(X2, K2, stride=2, padding=0),
     r"\(6 - 3 \+ 2·0\) / 2 \+ 1 = 2.5 is not an integer"),
    (lambda: ops.output_size(28, 3, stride=2, padding=0), r"floor it to 13"),
    (lambda: ops.output_size(28, 3, stride=2, padding=1),  # P is per side: 2P, not P
     r"\(N - F \+ 2P\) / S \+ 1 = \(28 - 3 \+ 2·1\) / 2 \+ 1 = 14.5 .*\(padding=1,"),
    (lambda: ops.output_size(28, 4, stride=2, padding=(1, 2)),
     r"\(N - F \+ P_before \+ P_after\) / S \+ 1 = \(28 - 4 \+ 1 \+ 2\) / 2 \+ 1 = 14.5"),
    (lambda: ops.correlate2d(X2, K2, stride=0), r"stride=0 is not allowed: use an int >= 1"),
    (lambda: ops.correlate2d(X2, K2, stride=1.5), r"stride=1.5 is not allowed"),
    (lambda: ops.correlate2d(X2, K2, stride=True), r"stride=True is not allowed"),
    (lambda: ops.correlate2d(X2, K2, dilation=(1, 0)), r"dilation=\(1, 0\) is not allowed"),
    (lambda: ops.correlate2d(X2, K2, padding="sme"),
     r"padding='sme' is not a padding mode: use 'valid', 'same', an int"),
    (lambda: ops.correlate2d(X2, K2, padding=-1), r"padding=-1 is negative"),
    (lambda: ops.pad(X2, (1, -2), 3), r"padding=\(1, -2\) is negative"),
    (lambda: ops.pad(X2, "same", 3, mode="reflec"), r"mode='reflec' is not a border mode"),
    (lambda: ops.pool2d(X2, mode="mean"), r"mode='mean' is not a pooling mode: use 'max'"),
    (lambda: ops.pool2d(X2, size=0), r"size=0 is not allowed"),
    (lambda: ops.pool2d(X2, size=7), r"size spans 7x7 pixels"),
    (lambda: ops.pool2d(X2, padding=1), r"padding=1 is not a pooling padding"),
    (lambda: ops.pool2d(np.ones(6)), r"x has shape \(6,\): expected \(H, W\)"),
    (lambda: ops.correlate2d(np.array([["a", "b"]]), K2), r"x has dtype <U1"),
    (lambda: ops.correlate2d(X2, np.array([[None]])), r"k has dtype object"),
    (lambda: ops.correlate2d_backward(X2, K2, np.ones((3, 3))), r"grad_out has shape \(3, 3\)"),
    (lambda: ops.pool2d_backward(X2, np.ones((2, 2))), r"expected \(3, 3\)"),
    (lambda: ops.output_size(0, 3), r"n=0 is not allowed"),
    (lambda: ops.conv_params(3, 0, 4), r"c_in=0 is not allowed"),
]


@pytest.mark.parametrize("call,message", BAD, ids=[m for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
