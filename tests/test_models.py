"""course.models: every builder's output shape and parameter count, the blocks' checks.

The expected counts are worked out by hand in the comments (k*k*c_in*c_out + c_out per
convolution, n_in*n_out + n_out per dense layer), so a changed architecture shows here.
"""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
from keras import layers  # noqa: E402

from course import models  # noqa: E402

BUILDERS = {
    # conv1 320 + conv2 18,496 + fc 3136*10+10
    "mnist_cnn": (models.mnist_cnn, (28, 28, 1), 10, 320 + 18_496 + 31_370),
    # 784*256+256, 256*128+128, 128*10+10
    "fashion_dnn": (models.fashion_dnn, (28, 28, 1), 10, 200_960 + 32_896 + 1_290),
    # convs 320 + 18,496, BN 4*32 + 4*64, 2304*600+600, 600*120+120, 120*10+10
    "fashion_cnn": (models.fashion_cnn, (28, 28, 1), 10,
                    320 + 18_496 + 128 + 256 + 1_383_000 + 72_120 + 1_210),
    # convs 34,944 + 614,656 + 885,120 + 1,327,488 + 884,992; fc 37,752,832 + 16,781,312 + 4,097,000
    "alexnet": (models.alexnet, (227, 227, 3), 1000, 62_378_344),
    # convs 3,584 + 6*147,584; 9*9*128*128+128; 16,512; 1,290
    "cifar_plain": (models.cifar_plain, (32, 32, 3), 10, 3_584 + 885_504 + 1_327_232 + 17_802),
    # 8 convs 3,584 + 7*147,584; 16*16*128*128+128; 16,512; 1,290
    "cifar_residual": (models.cifar_residual, (32, 32, 3), 10,
                       3_584 + 1_033_088 + 4_194_432 + 17_802),
    # the same convs; 4*4*128*128+128; 16,512; 1,290
    "cifar_residual_pool": (lambda: models.cifar_residual(pool=True), (32, 32, 3), 10,
                            3_584 + 1_033_088 + 262_272 + 17_802),
    # the control: the same without its three additions, which have no weights
    "cifar_no_adds_pool": (lambda: models.cifar_residual(pool=True, adds=False), (32, 32, 3), 10,
                           3_584 + 1_033_088 + 262_272 + 17_802),
}


def test_the_control_network_differs_only_in_its_adds():
    with_adds = models.cifar_residual(16, pool=True)
    without = models.cifar_residual(16, pool=True, adds=False)
    kinds = [type(layer).__name__ for layer in with_adds.layers]
    assert kinds.count("Add") == 3
    assert [k for k in kinds if k != "Add"] == [type(layer).__name__ for layer in without.layers]
    assert without.name == "cifar_no_adds_pool"


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_shapes_and_parameters(name):
    build, input_shape, classes, params = BUILDERS[name]
    model = build()
    assert tuple(model.input_shape[1:]) == input_shape
    assert tuple(model.output_shape[1:]) == (classes,)
    assert model.count_params() == params


@pytest.mark.parametrize("build", [models.mnist_cnn, models.fashion_cnn, models.cifar_residual,
                                   lambda: models.resnet_stack(8, residual=False),
                                   models.cifar_fast])
def test_softmax_stays_float32_under_mixed_precision(build):
    keras.mixed_precision.set_global_policy("mixed_float16")  # what a GPU run uses
    try:
        model = build()
        assert model.layers[1].compute_dtype == "float16"
        probabilities = model(keras.ops.zeros((1, *model.input_shape[1:])))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert probabilities.dtype == "float32"  # probabilities near 0 and 1 keep their precision


def test_builders_take_the_number_of_classes():
    for build in (models.mnist_cnn, models.fashion_dnn, models.fashion_cnn, models.cifar_plain,
                  models.cifar_residual):
        assert build(num_classes=3).output_shape == (None, 3)


def test_alexnet_matches_the_notes_table_row_by_row():
    rows = [(227, 227, 3), (55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256),
            (13, 13, 384), (13, 13, 384), (13, 13, 256), (6, 6, 256), (9216,), (4096,),
            (4096,), (1000,)]
    model = models.alexnet()
    assert [tuple(layer.output.shape[1:]) for layer in model.layers] == rows


def test_flatten_sizes_are_the_notes():
    assert models.mnist_cnn().get_layer("flatten").output.shape[-1] == 3136
    assert models.fashion_cnn().get_layer("flatten").output.shape[-1] == 2304
    assert models.cifar_plain(16).get_layer("flatten").output.shape[-1] == 9 * 9 * 16


def test_cifar_networks_scale_with_width():
    # conv1 3*9*8+8, six 9*8*8+8, 9*9*8*128+128, then the fixed head
    assert models.cifar_plain(8).count_params() == 224 + 6 * 584 + 83_072 + 17_802


def inception(c_in, *branches, size=28):
    inputs = keras.Input((size, size, c_in))
    return keras.Model(inputs, models.inception_module(inputs, *branches))


def test_inception_3a_output_and_parameters():
    model = inception(192, 64, 96, 128, 16, 32, 32)
    assert model.output_shape == (None, 28, 28, 64 + 128 + 32 + 32)
    # 1x1 12,352; 3x3 reduce 18,528; 3x3 110,720; 5x5 reduce 3,088; 5x5 12,832; pool 6,176
    assert model.count_params() == 163_696


def test_naive_inception_has_no_reductions():
    model = inception(192, 64, 0, 128, 0, 32, 0)
    assert model.output_shape == (None, 28, 28, 64 + 128 + 32 + 192)
    assert sum(isinstance(layer, layers.Conv2D) for layer in model.layers) == 3


def test_vgg_block_halves_the_size_after_its_padded_3x3_convolutions():
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, models.vgg_block(inputs, 2, 8, name="b"))
    assert [layer.name for layer in model.layers[1:]] == ["b_conv1", "b_conv2", "b_pool"]
    assert model.get_layer("b_conv2").output.shape[1:] == (32, 32, 8)
    assert model.output_shape == (None, 16, 16, 8)
    assert model.count_params() == (9 * 3 * 8 + 8) + (9 * 8 * 8 + 8)


def test_five_vgg_blocks_are_vgg16s_convolutional_part():
    inputs = keras.Input((224, 224, 3))
    x = inputs
    for i, (convs, filters) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], 1):
        x = models.vgg_block(x, convs, filters, name=f"block{i}")
    model = keras.Model(inputs, x)
    assert model.output_shape == (None, 7, 7, 512)
    # 9*c_in*c_out + c_out per convolution: 38,720 + 221,440 + 1,475,328 + 5,899,776
    # + 7,079,424, as keras.applications.VGG16(include_top=False) has
    assert model.count_params() == 14_714_688


def test_residual_stack_differs_from_plain_only_by_its_two_projections():
    plain, residual = models.resnet_stack(20, 16, residual=False), models.resnet_stack(20, 16)
    # two 1x1 shortcut convolutions (16->32, 32->64) with their batch normalizations
    assert residual.count_params() - plain.count_params() == 16 * 32 + 4 * 32 + 32 * 64 + 4 * 64
    assert plain.count_params() == 271_098  # He et al.'s plain-20 has "0.27M"


@pytest.mark.parametrize("depth", [7, 9, 2, 0])
def test_stacks_reject_depths_that_are_not_6n_plus_2(depth):
    with pytest.raises(ValueError, match=f"depth={depth} is not 6n \\+ 2"):
        models.resnet_stack(depth, residual=False)


def test_identity_block_keeps_the_shape():
    x = keras.Input((16, 16, 32))
    assert models.identity_block(x, 32).shape[1:] == (16, 16, 32)


def test_conv_block_changes_width_and_size():
    x = keras.Input((16, 16, 32))
    assert models.conv_block(x, 64, strides=2).shape[1:] == (8, 8, 64)


def test_identity_block_rejects_a_width_change_naming_both_shapes():
    x = keras.Input((16, 16, 32))
    with pytest.raises(ValueError) as error:
        models.identity_block(x, 64)
    message = str(error.value)
    assert "(16, 16, 32)" in message and "(16, 16, 64)" in message
    assert "1x1 convolution shortcut" in message


def test_residual_add_rejects_a_size_change():
    with pytest.raises(ValueError, match=r"\(32, 32, 8\).*\(16, 16, 8\).*1x1 convolution"):
        models.residual_add(keras.Input((32, 32, 8)), keras.Input((16, 16, 8)))


def test_cifar_fast_downsamples_at_the_stem_and_counts_its_parameters():
    model = models.cifar_fast()
    assert model.get_layer("stem").output.shape[1:] == (16, 16, 32)
    assert model.get_layer("s3_pool").output.shape[1:] == (2, 2, 128)
    # stem 3*3*3*32; convs 9*32*32, 9*32*32, 9*32*64, 9*64*64, 9*64*128, 9*128*128 (no
    # biases); BN 4 per channel on 32 + 2*32 + 2*64 + 2*128 channels; fc 128*10+10
    convs = 9 * (3 * 32 + 32 * 32 * 2 + 32 * 64 + 64 * 64 + 64 * 128 + 128 * 128)
    assert model.count_params() == convs + 4 * (32 + 64 + 128 + 256) + 1_290
    assert model.output_shape == (None, 10)
    assert models.cifar_fast(width=16, num_classes=3).output_shape == (None, 3)


def test_whitened_stem_decorrelates_the_patches_it_sees():
    import numpy as np

    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 256, (100, 8, 8, 3))
    images = np.kron(blocks, np.ones((1, 4, 4, 1))).astype(np.uint8)  # correlated neighbours
    model = models.cifar_fast(8)
    variances = models.whiten_stem(model, images)
    stem = model.get_layer("stem")
    assert not stem.trainable and len(variances) == 4 and np.all(np.diff(variances) <= 0)
    kernel = stem.kernel.numpy()
    np.testing.assert_allclose(kernel[..., 4:], -kernel[..., :4])  # each direction both signs
    responses = keras.Model(model.input, stem.output).predict(images / 255.0, verbose=0)
    cov = np.cov(responses[..., :4].reshape(-1, 4), rowvar=False)
    np.testing.assert_allclose(np.diag(cov), variances / (variances + 5e-4), rtol=1e-3)
    off_diagonal = cov - np.diag(np.diag(cov))
    assert np.abs(off_diagonal).max() < 1e-3  # decorrelated


@pytest.mark.parametrize("width", [9, 64])
def test_a_stem_that_cannot_be_whitened_says_why(width):
    import numpy as np

    with pytest.raises(ValueError, match=f"a stem of {width} filters cannot be whitened"):
        models.whiten_stem(models.cifar_fast(width), np.zeros((4, 32, 32, 3), np.uint8))


@pytest.mark.parametrize("depth", [8, 20, 32])
@pytest.mark.parametrize("residual", [False, True])
def test_stacks_have_depth_weight_layers_outside_the_shortcuts(residual, depth):
    model = models.resnet_stack(depth, width=4, residual=residual)
    weighted = [layer for layer in model.layers if isinstance(layer, (layers.Conv2D, layers.Dense))
                and "shortcut" not in layer.name]
    assert len(weighted) == depth
    assert model.output_shape == (None, 10)
    assert model.get_layer("gap").input.shape[1:] == (4, 4, 16)
