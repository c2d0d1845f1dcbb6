"""Checks for step 4, build_layered_model(input_shape, num_classes): the tutorial's CNN with
each activation as its own layer, uncompiled, following both arguments, and able to learn.

Run with `pytest exercises/step4` (or `--solutions` to check the reference solution).
The checks go from coarse to fine: each test first runs the checks of the tests above it
(mnistkit.checks.models.Blueprint.STAGES) and is skipped ("not checked yet") while one of those fails, so
a mistake counts once, as the failure that names it.
"""

import pytest

from mnistkit.checks.messages import check
from mnistkit.checks.models import Blueprint, built_once
from mnistkit.checks.quick_training import MIN_ACCURACY, TRAIN_IMAGES, quick_test_accuracy
from mnistkit.checks.tutorial_model import OTHER_CALLS

BLUEPRINT = Blueprint("build_layered_model", layered=True)


@pytest.fixture(scope="module")
def build_layered_model(step_function):
    return step_function("build_layered_model")


@pytest.fixture(scope="module")
def model(build_layered_model):
    """`model()`: the learner's model with the default arguments, built by the first test that asks."""
    return built_once(build_layered_model, "build_layered_model")


def test_returns_a_keras_sequential_model(model):
    BLUEPRINT.verify(model(), upto="sequential")


def test_model_is_returned_uncompiled(model):
    BLUEPRINT.verify(model(), upto="uncompiled")


def test_model_knows_its_input_shape(model):
    BLUEPRINT.verify(model(), upto="input")


def test_layers_come_in_the_tutorials_order(model):
    BLUEPRINT.verify(model(), upto="layers")


def test_convolutions_have_32_then_64_filters(model):
    BLUEPRINT.verify(model(), upto="filters")


def test_convolution_kernels_are_3x3(model):
    BLUEPRINT.verify(model(), upto="kernels")


def test_pooling_windows_are_2x2(model):
    BLUEPRINT.verify(model(), upto="pools")


def test_both_dropouts_drop_half_of_the_features(model):
    BLUEPRINT.verify(model(), upto="dropout")


def test_hidden_dense_layer_has_32_units(model):
    BLUEPRINT.verify(model(), upto="hidden_units")


def test_output_layer_has_one_unit_per_digit(model):
    BLUEPRINT.verify(model(), upto="output_units")


def test_conv2d_and_dense_layers_take_no_activation_argument(model):
    BLUEPRINT.verify(model(), upto="activations")


def test_outputs_are_probabilities_summing_to_one(model):
    BLUEPRINT.verify(model(), upto="probabilities")


def test_layer_output_shapes_match_the_tutorials_summary(model):
    BLUEPRINT.verify(model(), upto="shapes")


def test_model_has_the_tutorials_70378_parameters(model):
    BLUEPRINT.verify(model(), upto="params")


def test_model_follows_the_input_shape_argument(build_layered_model, model):
    BLUEPRINT.verify(model(), upto="params", prerequisite=True)
    BLUEPRINT.check_other_calls(build_layered_model, "input_shape")


def test_model_follows_the_num_classes_argument(build_layered_model, model):
    BLUEPRINT.verify(model(), upto="params", prerequisite=True)
    BLUEPRINT.check_other_calls(build_layered_model, "num_classes")


def test_model_follows_both_arguments_given_by_position(build_layered_model, model):
    BLUEPRINT.verify(model(), upto="params", prerequisite=True)
    BLUEPRINT.check_other_calls(build_layered_model, "both")


@pytest.mark.slow
def test_model_learns_to_read_digits(build_layered_model, model, mnist):
    BLUEPRINT.verify(model(), upto="params", prerequisite=True)
    # No training for a model that doesn't follow its arguments: that failure is named above.
    BLUEPRINT.check_other_calls(build_layered_model, *OTHER_CALLS, prerequisite=True)
    accuracy = quick_test_accuracy(model(), mnist)
    called = f"build_layered_model(), trained one epoch on {TRAIN_IMAGES:,} images,"
    check(accuracy >= MIN_ACCURACY, called, f"at least {MIN_ACCURACY:.0%}", f"{accuracy:.1%} test accuracy",
          "the layers are right, yet it doesn't learn: drop arguments the tutorial doesn't use "
          "(kernel_initializer, trainable=False, ...)")
