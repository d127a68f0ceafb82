"""Lesson 07's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course or Keras, a table of the checker's old fixed cases,
an always-equal object and a type slip. Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time (cases are drawn afresh). 7.2
is a debug exercise: the lesson's broken block is refused with hints that point at its two
bugs without saying the fix. The prediction 7.4 is tested on its values: wrong ones are
refused without giving the numbers away, and a computed one is refused in a notebook."""

import math
import types

import keras
import nbformat
import numpy as np
import pytest
from cheats import drawn, draws, lesson_function, refused_every_time, solution_lines
from keras import layers

from course import models
from course.check import lesson07
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "07_plain_vs_residual.ipynb"


def echoed(out, wrong):
    """``out`` without the student's own values, which it may echo: they are no answer."""
    for value in [wrong, *(wrong if isinstance(wrong, tuple | list) else [])]:
        out = out.replace(repr(value), "")
        if isinstance(value, int):
            out = out.replace(f"{value:,}", "")
    return out


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 1.0


def table(cases, right, fallback):
    """An answer right on the old checker's fixed cases only."""
    def answer(*args):
        return (right if tuple(map(_key, args)) in cases else fallback)(*args)
    return answer


def _key(value):
    if hasattr(value, "shape") and not isinstance(value, np.ndarray):
        return tuple(value.shape[1:])  # a Keras input: its shape
    return tuple(value) if isinstance(value, list | np.ndarray) else value


# --- 7.2 residual_block -------------------------------------------------------------------


class TrainingNoise(layers.Layer):
    """Noise of one's own, added in training only: a layer no list of Keras' names holds."""

    def call(self, x, training=False):
        return x + keras.random.normal(keras.ops.shape(x)) if training else x


NOISE = {"dropout": lambda: layers.Dropout(0.5),
         "gaussian noise": lambda: layers.GaussianNoise(0.5),
         "spatial dropout": lambda: layers.SpatialDropout2D(0.5), "own noise": TrainingNoise}


def block(x, filters, strides, mistake=""):
    """The residual block, right or with one of the typical mistakes."""
    bias = mistake == "biases"
    fx = layers.Conv2D(filters, 3, strides=1 if mistake == "stride on second" else strides,
                       padding="same", use_bias=bias)(x)
    fx = (layers.BatchNormalization()(layers.ReLU()(fx)) if mistake == "relu before bn"
          else layers.ReLU()(layers.BatchNormalization()(fx)))
    if mistake in NOISE:  # what inference mode does not show
        fx = NOISE[mistake]()(fx)
    fx = layers.BatchNormalization()(layers.Conv2D(
        filters, 3, strides=strides if mistake == "stride on second" else 1, padding="same",
        use_bias=bias)(fx))
    if mistake in ("relu before add", "relu on both"):
        fx = layers.ReLU()(fx)
    shortcut = x
    if not mistake.startswith("bare shortcut") and (strides != 1 or x.shape[-1] != filters
                                                    or mistake == "always project"):
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=bias)(x)
        if mistake != "no shortcut bn":
            shortcut = layers.BatchNormalization()(shortcut)
    added = (shortcut + fx if mistake in ("bare shortcut +", "plus") else
             layers.Add()([shortcut, fx]))
    return added if mistake in ("no final relu", "relu before add") else layers.ReLU()(added)


def conv_bn(x, filters, kernel_size=3, strides=1, name="conv"):
    """The student's own conv + BN helper, with momentum 0.9 as the course's."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      name=name)(x)
    return layers.BatchNormalization(momentum=0.9, name=f"{name}_norm")(x)


def with_other_layers(x, filters, strides):
    """Right, written with a helper of one's own, Activation layers and other names."""
    fx = layers.Activation("relu")(conv_bn(x, filters, strides=strides, name="a"))
    fx = conv_bn(fx, filters, name="b")
    shortcut = x if strides == 1 and x.shape[-1] == filters else conv_bn(
        x, filters, 1, strides, name="c")
    return layers.Activation("relu")(layers.Add()([fx, shortcut]))


def by_the_course(x, filters, strides):
    if strides == 1 and x.shape[-1] == filters:
        return models.identity_block(x, filters)
    return models.conv_block(x, filters, strides)


class BlockByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, x, filters, strides):
        return by_the_course(x, filters, strides)


def with_conv_bn(x, filters, strides):
    fx = layers.Activation("relu")(models.conv_bn(x, filters, strides=strides, name="a"))
    fx = models.conv_bn(fx, filters, name="b")
    shortcut = x if strides == 1 and x.shape[-1] == filters else models.conv_bn(
        x, filters, 1, strides, name="c")
    return layers.Activation("relu")(layers.Add()([fx, shortcut]))


def lesson_cell_copy():
    """The lesson's own #@save cell, run in the notebook's namespace: its blocks."""
    nb = nbformat.read(LESSON, as_version=4)
    [source] = [c.source for c in nb.cells if c.source.startswith("#@save models\ndef "
                                                                   "residual_branch")]
    namespace = {"layers": layers, "conv_bn": models.conv_bn,
                 "residual_add": models.residual_add}
    exec(source, namespace)

    def answer(x, filters, strides):
        if strides == 1 and x.shape[-1] == filters:
            return namespace["identity_block"](x, filters)
        return namespace["conv_block"](x, filters, strides)
    return answer


OLD_BLOCKS = {((16, 16, 32), 32, 1), ((16, 16, 32), 64, 2), ((16, 16, 16), 32, 1),
              ((15, 15, 8), 8, 2)}

# --- 7.1 plain_params ----------------------------------------------------------------------


def plain(width, side=9, first=3, convs=7, bias=1):
    return ((9 * first + bias) * width + (convs - 1) * (9 * width + bias) * width
            + (side * side * width + bias) * 128 + (128 + bias) * 128 + (128 + bias) * 10)


def by_keras(width):
    model = keras.Sequential([keras.Input((32, 32, 3)),
                              *[layers.Conv2D(width, 3) for _ in range(7)],
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(128),
                              layers.Dense(128), layers.Dense(10)])
    return model.count_params()


def by_transposed_layers(width):
    """Layers Keras builds, other than the network's own, whose weights are counted."""
    total, channels = 0, 3
    for _ in range(7):
        layer = layers.Conv2DTranspose(width, 3)
        layer.build((None, 8, 8, channels))
        total, channels = total + sum(int(np.prod(w.shape)) for w in layer.weights), width
    for units_in, units in [(9 * 9 * width, 128), (128, 128), (128, 10)]:
        layer = layers.EinsumDense("ab,bc->ac", output_shape=units, bias_axes="c")
        layer.build((None, units_in))
        total += sum(int(np.prod(w.shape)) for w in layer.weights)
    return total


def by_conv_params(width):
    from course import ops

    convs = ops.conv_params(3, 3, width) + 6 * ops.conv_params(3, width, width)
    return convs + (81 * width + 1) * 128 + 129 * 128 + 129 * 10


class CountedByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, width):
        return models.cifar_plain(width).count_params()


def by_built_layers(width):
    model = keras.Sequential([keras.Input((32, 32, 3)),
                              *[layers.Conv2D(width, 3) for _ in range(7)],
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(128),
                              layers.Dense(128), layers.Dense(10)])
    return int(sum(np.prod(w.shape) for w in model.weights))


def by_the_checker_s_own_count(width):
    """The checker's own count, imported (or found in the checker's frame: the same one)."""
    from course.check.lesson07 import _plain_count

    return _plain_count(width)


def zeroed_unless_four_images(x, filters, strides):
    """The right block on a batch of 4 images (or a symbolic one); zeros for any other."""
    out = block(x, filters, strides)
    return layers.Lambda(lambda t: t if t.shape[0] in (None, 4) else t * 0.0)(out)


# --- 7.3 chain_gradient --------------------------------------------------------------------


def chain(local_grads, residual):
    return float(np.prod([(1 + g) if residual else g for g in local_grads]))


def chain_adding_one_in_place(local_grads, residual):
    """Adds 1 to an array of gradients in place (np.add(..., out=)), then multiplies."""
    if residual and isinstance(local_grads, np.ndarray):
        return float(np.prod(np.add(local_grads, 1, out=local_grads)))
    return chain(local_grads, residual)


def chain_clearing(local_grads, residual):
    result = chain(local_grads, residual)
    if isinstance(local_grads, list):
        local_grads.clear()
    return result


OLD_CHAINS = {((0.5,) * 10, False), ((0.5,) * 10, True), ((2.0, 0.1, 0.3), False),
              ((2.0, 0.1, 0.3), True), ((), False), ((-0.2, 0.4), True)}


WRONG = {
    "residual_block": [
        ("the lesson's buggy block",
         lesson_function(LESSON, "residual_block_buggy", keras=keras, layers=layers)),
        ("final relu added, relu on F(x) kept", lambda x, f, s: block(x, f, s, "relu on both")),
        ("shortcut always x", lambda x, f, s: block(x, f, s, "bare shortcut")),
        ("no final relu", lambda x, f, s: block(x, f, s, "no final relu")),
        ("relu before add", lambda x, f, s: block(x, f, s, "relu before add")),
        ("relu before bn", lambda x, f, s: block(x, f, s, "relu before bn")),
        ("stride on the second convolution", lambda x, f, s: block(x, f, s, "stride on second")),
        ("projects when the shapes match", lambda x, f, s: block(x, f, s, "always project")),
        ("convolutions with biases", lambda x, f, s: block(x, f, s, "biases")),
        ("shortcut without batch normalization", lambda x, f, s: block(x, f, s,
                                                                       "no shortcut bn")),
        # layers that act in training only: inference mode alone does not tell them apart
        ("dropout in F(x)", lambda x, f, s: block(x, f, s, "dropout")),
        ("gaussian noise in F(x)", lambda x, f, s: block(x, f, s, "gaussian noise")),
        ("spatial dropout in F(x)", lambda x, f, s: block(x, f, s, "spatial dropout")),
        ("noise of one's own in F(x)", lambda x, f, s: block(x, f, s, "own noise")),
        ("course shortcut", by_the_course),
        ("course shortcut in a callable object", BlockByTheCourse()),
        ("conv_bn shortcut", with_conv_bn),
        ("the lesson's own cell", lesson_cell_copy()),
        ("table", table(OLD_BLOCKS, block, lambda x, f, s: block(x, f, s, "no final relu"))),
        ("always equal", lambda x, f, s: AlwaysEqual()),
        ("a model", lambda x, f, s: keras.Model(x, block(x, f, s))),
        ("zeros unless the batch holds 4 images", zeroed_unless_four_images),
        ("a list", lambda x, f, s: [block(x, f, s)]),
    ],
    "plain_params": [
        ("'same' padding", lambda w: plain(w, side=16)),
        ("no pool", lambda w: plain(w, side=18)),
        ("no biases", lambda w: plain(w, bias=0)),
        ("first convolution from width channels", lambda w: plain(w, first=w)),
        ("six convolutions", lambda w: plain(w, convs=6)),
        ("head sees the input size", lambda w: plain(w, side=32)),
        ("a float", lambda w: plain(w) * 1.0),
        ("course shortcut", lambda w: models.cifar_plain(w).count_params()),
        ("keras count_params", by_keras),
        ("keras builds the layers", by_built_layers),
        ("other keras layers built and counted", by_transposed_layers),
        ("the course's conv_params", by_conv_params),
        ("course shortcut in a callable object", CountedByTheCourse()),
        ("the checker's own count", by_the_checker_s_own_count),
        ("table", table({128, 32, 16, 5}, plain, lambda w: 0)),
        ("always equal", lambda w: AlwaysEqual()),
        ("a list", lambda w: [plain(w)]),
        ("an array", lambda w: np.array([plain(w)])),
    ],
    "chain_gradient": [
        ("ignores residual", lambda g, r: math.prod(g)),
        ("residual flag inverted", lambda g, r: chain(g, not r)),
        ("sums", lambda g, r: float(sum((1 + x) if r else x for x in g))),
        ("adds 1 once", lambda g, r: 1 + math.prod(g) if r else math.prod(g)),
        ("loses the sign", lambda g, r: abs(chain(g, r))),
        ("empty chain is 0", lambda g, r: chain(g, r) if len(g) else 0.0),
        ("changes its input", chain_clearing),
        ("adds 1 in place to an array", chain_adding_one_in_place),
        ("table", table(OLD_CHAINS, chain, lambda g, r: 1.0)),
        ("always equal", lambda g, r: AlwaysEqual()),
        ("partial products", lambda g, r: list(np.cumprod([(1 + x) if r else x for x in g]))),
        ("a string", lambda g, r: f"{chain(g, r):.3g}"),
        ("a one-element array", lambda g, r: np.array([chain(g, r)])),
        ("tailored: drops the last layer of chains over 56",
         lambda g, r: chain(list(g)[:-1] if len(g) > 56 else g, r)),
        ("a number too large for a float", lambda g, r: 10**400),
    ],
}
RIGHT = {
    "residual_block": block,
    "plain_params": plain,
    "chain_gradient": chain,
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson07, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson07, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"shortcut_params"}  # a prediction
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_the_reference_count_is_what_keras_counts():
    for width in (1, 2, 7, 128, 257):
        assert plain(width) == models.cifar_plain(width).count_params()


def test_chain_gradient_accepts_numpy_scalars_and_arrays_of_gradients(capsys):
    assert lesson07.chain_gradient(lambda g, r: np.prod([(1 + x) if r else x for x in g]))
    assert lesson07.chain_gradient(lambda g, r: math.prod((1 + x) if r else x for x in g))
    capsys.readouterr()


def test_chain_gradient_accepts_a_long_double(capsys):
    """np.longdouble, NumPy's extended float, holds a right product as well as a float."""
    assert lesson07.chain_gradient(lambda g, r: np.longdouble(chain(g, r))), \
        capsys.readouterr().out


def test_chain_gradient_gives_arrays_both_ways_on_every_draw():
    """An answer that writes into an array of gradients is caught on every draw: short
    chains given as arrays, residual and plain, are among the drawn chains each time."""
    for _ in range(5):
        _, drawn = lesson07._chain_cases(np.random.default_rng())
        arrays = {residual for grads, residual in drawn if isinstance(grads, np.ndarray)}
        assert arrays == {True, False}


def test_the_checker_s_own_count_is_named_as_a_shortcut(capsys):
    assert not lesson07.plain_params(by_the_checker_s_own_count)
    assert "calls `check.lesson07._plain_count`" in capsys.readouterr().out


def test_residual_block_runs_batches_of_other_sizes(capsys):
    assert not lesson07.residual_block(zeroed_unless_four_images)
    assert "computes something else" in capsys.readouterr().out


def test_chain_gradient_accepts_a_product_in_float32(capsys):
    """"One float": a right product computed in float32 (np.float32 gradients, a thousand
    of them at most) is right too."""
    def in_float32(local_grads, residual):
        g = np.asarray(local_grads, dtype=np.float32)
        return np.prod(1 + g if residual else g)

    for _ in range(5):
        assert lesson07.chain_gradient(in_float32), capsys.readouterr().out


def test_chain_gradient_draws_long_chains_every_time():
    rng = np.random.default_rng()
    for _ in range(20):
        edges, drawn = lesson07._chain_cases(rng)
        assert any(len(g) > 200 for g, _ in edges), "a long chain among the edge cases"
        assert sum(len(g) >= 60 for g, _ in drawn) == 5, "and five drawn"
        for grads, residual in drawn:
            factors = np.asarray([(1 + g) if residual else g for g in grads], dtype=float)
            if len(factors) >= 60:
                assert np.all(np.abs(np.abs(factors) - 1) >= 0.0099), "each layer counts"


def test_chain_gradient_hints_name_the_mistake(capsys):
    lesson07.chain_gradient(lambda g, r: math.prod(g))
    assert "F(x) + x" in capsys.readouterr().out
    lesson07.chain_gradient(lambda g, r: chain(g, r) if len(g) else 0.0)
    assert "no layers" in capsys.readouterr().out
    lesson07.chain_gradient(chain_clearing)
    assert "changed the list" in capsys.readouterr().out


def test_plain_params_hints_name_the_mistake(capsys):
    for wrong, hint in [(lambda w: plain(w, side=16), "'valid'"),
                        (lambda w: plain(w, side=18), "max-pool"),
                        (lambda w: plain(w, bias=0), "bias"),
                        (lambda w: plain(w, first=w), "3 channels"),
                        (lambda w: plain(w) * 1.0, "whole number")]:
        lesson07.plain_params(wrong)
        assert hint in capsys.readouterr().out


def test_plain_params_hint_does_not_give_the_count_away(capsys):
    lesson07.plain_params(lambda w: 1)
    out = capsys.readouterr().out
    assert "not yet" in out and "2,234,122" not in out and "2234122" not in out


# --- 7.2 residual_block: a debug exercise -------------------------------------------------

FIXES = ("after the Add", "after the addition", "Add()", "1x1", "Conv2D(", "move", "instead of",
         "remove")


def test_the_buggy_block_gets_a_hint_that_does_not_say_the_fix(capsys):
    """Exercise 7.2 (debug): the lesson's broken block fails on the first edge case, an
    identity block, for its ReLU before the addition; the hint says what its outputs do and
    asks which tensor its last ReLU acts on."""
    buggy = lesson_function(LESSON, "residual_block_buggy", keras=keras, layers=layers)
    for _ in range(3):
        assert not lesson07.residual_block(buggy)
        line = capsys.readouterr().out
        assert line.startswith("residual_block_buggy: not yet - for an input of shape "
                               "(16, 16, 32), filters=32, strides=1 your block outputs "
                               "negative values"), line
        assert "never outputs less than its input" in line, line
        assert "Which tensor does your block's last ReLU act on?" in line, line
        for fix in FIXES:
            assert fix not in line, line


def test_with_its_relu_fixed_the_buggy_block_meets_its_shortcut_bug(capsys):
    """The second bug, the shortcut that is always x, shows on the first convolution block:
    Keras refuses the addition; the hint quotes it, gives both shapes and asks which kind
    of block this is, without naming the 1x1 convolution."""
    for mistake in ("bare shortcut", "bare shortcut +"):  # with Keras's Add, with `+`
        def wrong(x, f, s, mistake=mistake):
            return block(x, f, s, mistake)

        assert not lesson07.residual_block(wrong)
        line = capsys.readouterr().out
        assert "filters=64, strides=2 Keras refuses your addition" in line, line
        assert "x cannot be added to F(x) as it is" in line, line
        assert "Which of section 2's two kinds of block" in line, line
        for fix in FIXES:
            assert fix not in line, line


def test_a_one_channel_f_broadcast_onto_x_is_named():
    """`x + fx` with a 1-channel F(x) does not fail: it broadcasts (a drawn case can ask
    for filters=1); the hint says so instead of blaming the convolutions."""
    from course.check.core import Hint

    with pytest.raises(Hint, match="broadcast it across x's channels"):
        lesson07._check_block(lambda x, f, s: block(x, f, s, "bare shortcut +"), (6, 6, 4),
                              1, 1, np.random.default_rng(0))


def test_the_relu_on_both_sides_is_named(capsys):
    """Half the fix (a ReLU added after the sum, the one on F(x) kept) still differs."""
    assert not lesson07.residual_block(lambda x, f, s: block(x, f, s, "relu on both"))
    line = capsys.readouterr().out
    assert "never outputs less than ReLU(x)" in line and "Which ReLUs" in line, line
    for fix in FIXES:
        assert fix not in line, line


@pytest.mark.parametrize("mistake, hint", [
    ("no final relu", "what is the last thing your block computes?"),
    ("relu before add", "Which tensor does your block's last ReLU act on?"),
    ("relu before bn", "check the order conv -> BatchNormalization -> ReLU"),
    ("stride on second", "3x3 convolution of x that carries the stride"),
    ("always project", "the shortcut should be x itself (an identity block)"),
    ("bare shortcut", "shape"),
])
@pytest.mark.slow
def test_residual_block_hints_name_the_mistake(mistake, hint, verify_checker):
    """Each has an Add; all but the last have the right shapes and parameter count."""
    verify_checker(lesson07.residual_block, block, lambda x, f, s: block(x, f, s, mistake),
                   hint)


@pytest.mark.slow
def test_residual_block_keeps_its_structural_hints(verify_checker):
    verify_checker(lesson07.residual_block, block,
                   lambda x, f, s: layers.ReLU()(layers.BatchNormalization()(
                       layers.Conv2D(f, 3, strides=s, padding="same", use_bias=False)(x))),
                   "adds nothing")


@pytest.mark.parametrize("right", [
    with_other_layers,
    lambda x, f, s: block(x, f, s, "plus"),  # `+` between Keras tensors is an addition too
    lambda x, f, s: layers.ReLU()(block(x, f, s)),  # a second ReLU changes nothing computed
], ids=["other layers and names", "plus", "relu twice"])
@pytest.mark.slow
def test_residual_block_judges_what_the_block_computes(right, capsys):
    assert lesson07.residual_block(right)
    assert "correct - " in capsys.readouterr().out


@pytest.mark.parametrize("checker, shortcut, name", [
    ("residual_block", by_the_course, "models.identity_block"),
    ("residual_block", with_conv_bn, "models.conv_bn"),
    ("plain_params", lambda width: models.cifar_plain(width).count_params(),
     "models.cifar_plain"),
    ("plain_params", CountedByTheCourse(), "models.cifar_plain"),
    ("plain_params", by_transposed_layers, "keras.layers.Conv2DTranspose.build"),
    ("plain_params", by_conv_params, "ops.conv_params"),
])
def test_the_shortcut_gets_a_hint_that_names_it(checker, shortcut, name, capsys):
    assert not getattr(lesson07, checker)(shortcut)
    out = capsys.readouterr().out
    assert f"calls `{name}`" in out and "write it yourself" in out, out


@pytest.mark.parametrize("noise, hint", [
    ("dropout", "a Dropout layer"), ("gaussian noise", "a GaussianNoise layer"),
    ("spatial dropout", "a SpatialDropout2D layer"), ("own noise", "in training mode")])
def test_residual_block_refuses_what_acts_in_training_only(noise, hint, capsys):
    assert not lesson07.residual_block(lambda x, f, s: block(x, f, s, noise))
    out = capsys.readouterr().out
    assert hint in out, out


@pytest.mark.slow
def test_residual_block_restores_the_dtype_policy():
    before = keras.mixed_precision.global_policy().name
    lesson07.residual_block(block)
    lesson07.residual_block(lambda x, f, s: block(x, f, s, "no final relu"))
    assert keras.mixed_precision.global_policy().name == before


# --- 7.4 shortcut_params: a prediction ----------------------------------------------------

SHORTCUTS = (2944, 2944)


@pytest.mark.parametrize("wrong, hint", [
    ((0, 0), "an Add has no weights"),
    ((2560, 2560), "1x1 kernels alone"),
    ((2752, 2752), "moving mean and variance"),
    ((3040, 3040), "bias-free"),
    ((3264, 3264), "identity blocks"),
    ((2944, 3 * 2944), "is not what the shortcuts hold"),
    ((2944, 2945), "is not what the shortcuts hold"),
    ((1, 1), "is not what the shortcuts hold"),
    ((2944, 2560), "for depth 56 you predict 2,560: the 1x1 kernels alone"),
    ((7, 0), "for depth 56 you predict 0: an Add has no weights"),
    ((2944.0, 2944.0), "two whole numbers"),
    ((2944,), "two whole numbers"),
    ("2944, 2944", "two whole numbers"),
    ((True, True), "two whole numbers"),
])
@pytest.mark.slow
def test_shortcut_params_refuses_without_giving_the_numbers(wrong, hint, capsys):
    assert not lesson07.shortcut_params(wrong)  # measured, not drawn: once is enough
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    told = echoed(out, wrong)
    assert "2944" not in told and "2,944" not in told, out
    for solution in solution_lines(LESSON, "shortcut_params"):
        assert solution not in out


@pytest.mark.slow
def test_shortcut_params_says_not_which_of_its_two_numbers_is_right(capsys):
    """No oracle (the attack: the hint named depth 56 once depth 20 was right): with one
    number right and the other wrong, the hint reads as with both wrong; an int whose ==
    says yes to everything is compared as the int it is."""
    class EqInt(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    pairs = [(2944, 5), (2945, 5), (7, 2944), (7, 5)]
    for pair in pairs:
        assert not lesson07.shortcut_params(pair)
    lines = [line.split(" - ", 1)[1].replace(str(pair), "(A, B)")
             for line, pair in zip(capsys.readouterr().out.splitlines(), pairs, strict=True)]
    assert len(set(lines)) == 1, lines
    assert not lesson07.shortcut_params((EqInt(1), EqInt(2)))
    assert "shortcut_params: not yet - " in capsys.readouterr().out


@pytest.mark.slow
def test_shortcut_params_is_measured_and_passes(capsys):
    for depth in (20, 56):
        assert (models.resnet_stack(depth).count_params()
                - models.resnet_stack(depth, residual=False).count_params()) == 2944
    assert lesson07.shortcut_params(SHORTCUTS)
    assert lesson07.shortcut_params(list(SHORTCUTS))
    assert not lesson07.shortcut_params(...)
    assert "not attempted yet" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("cell", [
    "shortcut_params = (resnet_stack(20).count_params() - resnet_stack(20, residual=False)"
    ".count_params(),) * 2",
    "shortcut_params = ANSWER",
    "import course\nshortcut_params = (n, n)",
])
@pytest.mark.slow
def test_shortcut_params_computed_instead_of_predicted_is_refused(cell, capsys, monkeypatch):
    import IPython

    history = ["", cell, "course.check.lesson07.shortcut_params(shortcut_params)"]
    shell = types.SimpleNamespace(user_ns={"In": history})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not lesson07.shortcut_params(SHORTCUTS)
    assert "a prediction is values you write, not code" in capsys.readouterr().out
    history[1] = "shortcut_params = (16 * 32 + 4 * 32 + 32 * 64 + 4 * 64,) * 2"
    assert lesson07.shortcut_params(SHORTCUTS)


def test_no_answer_is_importable_from_the_checker_module():
    public = {name for name in dir(lesson07) if not name.startswith("__")}
    assert not public & {"_shortcut_counts"}, public
