"""The checkers of exercises 6.4, 7.4 and 8.5 (predict, then run) and the behavioural
checker of 7.1: right answers pass, blanks are "not attempted yet", typical mistakes and
the obvious shortcuts get hints."""

import keras
import pytest
from keras import layers

from course import models
from course.check import lesson06, lesson07, lesson08

# --- 7.1: residual_block compares what the block computes -----------------------------


def block(x, filters, strides, mistake=None):
    """The residual block, right or with one of the typical mistakes."""
    fx = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    if mistake == "relu before bn":
        fx = layers.BatchNormalization()(layers.ReLU()(fx))
    else:
        fx = layers.ReLU()(layers.BatchNormalization()(fx))
    fx = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same",
                                                   use_bias=False)(fx))
    if mistake == "relu before add":
        fx = layers.ReLU()(fx)
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=strides,
                                                             use_bias=False)(x))
    added = layers.Add()([shortcut, fx])
    return added if mistake in ("no final relu", "relu before add") else layers.ReLU()(added)


def stride_on_second(x, filters, strides):
    """Right shapes and parameters, but the stride sits on F(x)'s second convolution."""
    fx = layers.ReLU()(layers.BatchNormalization()(
        layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)))
    fx = layers.BatchNormalization()(layers.Conv2D(filters, 3, strides=strides, padding="same",
                                                   use_bias=False)(fx))
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=strides,
                                                             use_bias=False)(x))
    return layers.ReLU()(layers.Add()([shortcut, fx]))


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


def with_course_layers(x, filters, strides):
    """Written with course.models.conv_bn: half the block is the course's."""
    fx = layers.Activation("relu")(models.conv_bn(x, filters, strides=strides, name="a"))
    fx = models.conv_bn(fx, filters, name="b")
    shortcut = x if strides == 1 and x.shape[-1] == filters else models.conv_bn(
        x, filters, 1, strides, name="c")
    return layers.Activation("relu")(layers.Add()([fx, shortcut]))


@pytest.mark.parametrize("mistake, hint", [
    ("no final relu", "the final ReLU, after the Add, is missing"),
    ("relu before add", "the final ReLU, after the Add, is missing"),
    ("relu before bn", "check the order conv -> BatchNormalization -> ReLU"),
])
def test_residual_block_compares_behaviour(mistake, hint, verify_checker):
    """Each of these has the right shapes, an Add and the right parameter count."""
    verify_checker(lesson07.residual_block, block,
                   lambda x, f, s: block(x, f, s, mistake), hint)


def test_residual_block_finds_a_misplaced_stride(verify_checker):
    verify_checker(lesson07.residual_block, block, stride_on_second,
                   "3x3 convolution of x that carries the stride")


def test_residual_block_accepts_other_layers_and_names(capsys):
    assert lesson07.residual_block(with_other_layers)
    assert "correct - " in capsys.readouterr().out


def test_residual_block_refuses_the_course_conv_bn(capsys):
    assert not lesson07.residual_block(with_course_layers)
    assert "calls `models.conv_bn`" in capsys.readouterr().out


def test_residual_block_judges_outputs_not_layers(capsys):
    """A second ReLU after the final one changes nothing the block computes: it passes."""
    assert lesson07.residual_block(lambda x, f, s: layers.ReLU()(block(x, f, s)))
    assert "correct - " in capsys.readouterr().out


def test_residual_block_keeps_its_structural_hints(verify_checker):
    verify_checker(lesson07.residual_block, block,
                   lambda x, f, s: layers.ReLU()(layers.BatchNormalization()(
                       layers.Conv2D(f, 3, strides=s, padding="same", use_bias=False)(x))),
                   "adds nothing")


def test_residual_block_shortcut_is_refused(capsys):
    def by_the_course(x, filters, strides):
        if strides == 1 and x.shape[-1] == filters:
            return models.identity_block(x, filters)
        return models.conv_block(x, filters, strides)

    assert not lesson07.residual_block(by_the_course)
    out = capsys.readouterr().out
    assert "calls `models.identity_block`" in out and "write it yourself" in out


def test_residual_block_restores_the_dtype_policy():
    before = keras.mixed_precision.global_policy().name
    lesson07.residual_block(block)
    lesson07.residual_block(lambda x, f, s: block(x, f, s, "no final relu"))
    assert keras.mixed_precision.global_policy().name == before


# --- value exercises: predict, then run -------------------------------------------------

NAIVE_THIRD = (864, 1_290_464)
SHORTCUTS = (2944, 2944)
S3 = (222_210, 222_722)

VALUE_CASES = [
    # (checker, wrong prediction, words its hint must contain)
    (lesson06.naive_stack, (640, NAIVE_THIRD[1]), "the second module outputs"),
    (lesson06.naive_stack, (224, NAIVE_THIRD[1]), "the pool branch"),
    (lesson06.naive_stack, (864, NAIVE_THIRD[1] - 224), "bias"),
    (lesson06.naive_stack, (864, 838_880), "the second module's count"),
    (lesson06.naive_stack, (864, 2016 * 864 + 224), "read the channels of its input"),
    (lesson06.naive_stack, 864, "assign two whole numbers"),
    (lesson07.shortcut_params, (2560, 2560), "1x1 kernels alone"),
    (lesson07.shortcut_params, (2752, 2752), "moving mean and variance"),
    (lesson07.shortcut_params, (3040, 3040), "bias-free"),
    (lesson07.shortcut_params, (3264, 3264), "identity blocks"),
    (lesson07.shortcut_params, (2944, 3 * 2944), "blocks of resnet_stack(56)"),
    (lesson07.shortcut_params, (2944.0, 2944.0), "two whole numbers"),
    (lesson08.s3_trainable, (221_184, S3[1]), "the head trains too"),
    (lesson08.s3_trainable, (S3[0] + 256, S3[1]), "bias-free"),
    (lesson08.s3_trainable, (S3[0] + 512, S3[1]), "stay frozen"),
    (lesson08.s3_trainable, (S3[0], S3[0]), "scale and shift"),
    (lesson08.s3_trainable, (S3[0], S3[0] + 1024), "moving mean and variance are not trained"),
]

RIGHT = {lesson06.naive_stack: NAIVE_THIRD, lesson07.shortcut_params: SHORTCUTS,
         lesson08.s3_trainable: S3}


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_prediction_right_and_blank(check, capsys):
    assert check(RIGHT[check])
    assert f"{check.__name__}: correct - " in capsys.readouterr().out
    assert check(list(RIGHT[check])), "a list is as good as a tuple"
    capsys.readouterr()
    assert not check(...)  # the student version's `name = ...`
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong, hint", VALUE_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(VALUE_CASES)])
def test_prediction_mistakes_get_hints(check, wrong, hint, capsys):
    assert not check(wrong)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("check, copied, hint", [
    # the numbers printed above each exercise, copied instead of predicted
    (lesson06.naive_stack, (416, 387_296), "what the first module outputs"),
    (lesson06.naive_stack, (864, 387_296), "the first module's count"),
    (lesson07.shortcut_params, (0, 0), "an Add has no weights"),  # "removing the adds
    (lesson08.s3_trainable, (277_506, 277_506 + 768), "s2 and s3"),  # removes no parameters"
], ids=["06-first-module", "06-first-count", "07-no-weights", "08-s2-and-s3"])
def test_the_obvious_shortcut_is_not_accepted(check, copied, hint, capsys):
    assert not check(copied)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("check, wrong", [
    (lesson06.naive_stack, (865, 1)), (lesson07.shortcut_params, (1, 1)),
    (lesson08.s3_trainable, (1, 1)), (lesson08.s3_trainable, (S3[0], 1)),
], ids=["06", "07", "08", "08-second"])
def test_hints_do_not_give_the_answer_away(check, wrong, capsys):
    check(wrong)
    out = capsys.readouterr().out
    assert "not yet" in out
    for number in RIGHT[check]:
        assert f"{number:,}" not in out and str(number) not in out, out
