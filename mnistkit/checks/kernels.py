"""What step 8's suite makes of first_layer_kernels, and how it says what is wrong.

first_layer_kernels(model) must return the kernel of the model's first Conv2D layer, shape
(3, 3, 1, 32), as `get_weights()[0]` gives it, for every model built the tutorial's ways: the
trained Sequential-API model, the layer-by-layer model, a model built with input_shape=, and a
model whose first layer is not a Conv2D. `kernels_of` reads the result (or names what it is
instead: the bias, another layer's kernel, a squeezed or transposed kernel); `EXTRACT_CHECKS`
runs the checks coarse to fine, so that one mistake is reported by one test.

The models are the kit's own (`mnistkit.checks.figures.trained_model`, `mnistkit.reference`),
built once per process and put back as they were after each call (`ModelState`).
"""

from __future__ import annotations

import warnings

import numpy as np

from mnistkit import reference
from mnistkit.checks.figures import ModelState, learner_line, shared_model
from mnistkit.checks.messages import Mistake, as_array, describe_array, type_first, ulp_close

KERNEL_SHAPE = (3, 3, 1, 32)  # Height, width, input channels (grayscale: 1), kernels.
KERNELS = KERNEL_SHAPE[-1]

EXTRACT = "first_layer_kernels(model)"


def first_conv_kernel(model) -> np.ndarray:
    """The kernel of the model's first Conv2D layer, read with get_weights()."""
    from keras import layers

    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    return np.asarray(conv.get_weights()[0])


def kernels_of(result, called: str) -> np.ndarray:
    """first_layer_kernels' result as an array of shape (3, 3, 1, 32), or a Mistake naming what it is."""
    if isinstance(result, (list, tuple)) and len(result) == 2 and np.shape(result[0]) == KERNEL_SHAPE:
        raise Mistake(f"{called} returned a {type(result).__name__} of 2 arrays, expected the kernel alone: "
                      "a layer's get_weights() (and .weights) hold [kernel, bias]; take the first, [0]")
    kernels = as_array(result, called)
    if kernels.shape == KERNEL_SHAPE:
        return kernels
    shape = tuple(kernels.shape)
    if shape == (KERNELS,):
        hint = "that is the first layer's bias (weights[1]), one number per kernel; the kernel is weights[0]"
    elif shape == (3, 3, 32, 64):
        hint = "that is the kernel of the second Conv2D layer (64 kernels of 3x3x32); take the first Conv2D layer"
    elif shape == (64,):
        hint = "that is the second Conv2D layer's bias; take the kernel (weights[0]) of the first Conv2D layer"
    elif shape == (3, 3, KERNELS):
        hint = "keep the channel axis: the kernel as Keras stores it is (3, 3, 1, 32), without np.squeeze"
    elif sorted(shape) == sorted(KERNEL_SHAPE):
        hint = "keep Keras's order (height, width, input channels, kernels); don't transpose or reshape the kernel"
    elif shape == (0,):
        hint = "the layer you picked has no weights; take the first layer that is a Conv2D"
    else:
        hint = "return the first Conv2D layer's kernel, its weights[0], as it is"
    raise Mistake(f"{called} gave a {describe_array(kernels)}, expected shape {KERNEL_SHAPE} "
                  f"(3x3 pixels, 1 input channel, 32 kernels): {hint}")


def call_first_layer_kernels(first_layer_kernels, model, called: str):
    """first_layer_kernels(model), explaining the error of looking a layer up by a name that changes;
    the model is put back as it was afterwards (the same models serve every test)."""
    state = ModelState(model)
    try:
        return first_layer_kernels(model)
    except ValueError as error:
        if "No such layer" not in str(error):
            raise
        from keras import layers

        name = next(layer.name for layer in model.layers if isinstance(layer, layers.Conv2D))
        where = learner_line(error)
        raise Mistake(f"{called} raised ValueError: {str(error).split('.')[0]}" + (f" (at {where})" if where else "")
                      + f": layer names change every time a model is built (here the first Conv2D layer is named "
                      f"{name!r}); find the first layer by type, isinstance(layer, layers.Conv2D)") from None
    finally:
        state.restore(model)


def checked_kernels(first_layer_kernels, model, called: str) -> np.ndarray:
    """The kernels as an array of the right shape. A Variable or Tensor that numpy turns into the right
    array passes; when it is wrong, the message names its type first."""
    result = call_first_layer_kernels(first_layer_kernels, model, called)
    with type_first(result, called):
        return kernels_of(result, called)


def check_kernels(first_layer_kernels, model, called: str) -> None:
    expected = first_conv_kernel(model)  # Read first: a function that changes the kernel returns another.
    result = call_first_layer_kernels(first_layer_kernels, model, called)
    with type_first(result, called):
        kernels = kernels_of(result, called)
        if not ulp_close(kernels, expected):
            i = np.unravel_index(np.argmax(np.abs(kernels.astype(np.float64) - expected)), KERNEL_SHAPE)
            raise Mistake(f"{called} gave {float(kernels[i]):.6g} at {tuple(int(n) for n in i)}, expected "
                          f"{float(expected[i]):.6g}: return the first Conv2D layer's own kernel, "
                          "layer.get_weights()[0], unchanged")


# --- The other models first_layer_kernels is given ----------------------------------------------


def layered_model():
    """The tutorial's second model (keras.Input, separate ReLU layers), untrained: random kernels.
    Built once per session, as the other models below: the checks only read them."""
    return shared_model("step 8: layered model", lambda: reference.build_model(layered=True))


def input_shape_model():
    """The tutorial's CNN built the older way, with input_shape= on its first layer, untrained."""
    return shared_model("step 8: input_shape model", build_input_shape_model)


def build_input_shape_model():
    import keras
    from keras import layers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3 prefers keras.Input, but the tutorial's way works.
        return keras.Sequential([
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])


def rescaling_model():
    """A CNN whose first layer is not a Conv2D, untrained."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1 / 255),  # Scales raw pixels inside the model; it has no weights.
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


# --- The checks, coarse to fine -------------------------------------------------------------------

# Each check of first_layer_kernels, coarse to fine: (name, what a later test says to fix first,
# the test that reports it). A later check is skipped while an earlier one fails.
EXTRACT_CHECKS = [
    ("shape", "the shape of the kernels", "test_kernels_have_shape_3_3_1_32"),
    ("values", "the kernels of the trained model", "test_kernels_are_the_first_conv2d_layers_weights"),
    ("layered", "the kernels of the layer-by-layer model", "test_works_for_the_layer_by_layer_model"),
    ("input_shape", "the kernels of the model built with input_shape=", "test_works_for_a_model_built_with_input_shape"),
]


def extract_check(name: str, first_layer_kernels, model):
    """The check of EXTRACT_CHECKS called `name`, as a function of no arguments."""
    if name == "shape":
        return lambda: checked_kernels(first_layer_kernels, model, EXTRACT)
    if name == "values":
        return lambda: check_kernels(first_layer_kernels, model, EXTRACT)
    if name == "layered":
        return lambda: check_kernels(first_layer_kernels, layered_model(), "first_layer_kernels(<the layer-by-layer model>)")
    return lambda: check_kernels(first_layer_kernels, input_shape_model(), "first_layer_kernels(<a model built with input_shape=>)")


def run_extract_check(name: str | None, prerequisites, first_layer_kernels, model) -> None:
    """Skip unless every check of EXTRACT_CHECKS before `name` passes; then run (and own) check
    `name`. With None, all of them must pass and nothing more is run."""
    names = [n for n, _, _ in EXTRACT_CHECKS]
    for earlier, what, test in EXTRACT_CHECKS[: names.index(name) if name else len(names)]:
        prerequisites.need(earlier, extract_check(earlier, first_layer_kernels, model), what, test)
    if name:
        prerequisites.own(name, extract_check(name, first_layer_kernels, model))


def check_first_conv2d_found_after_another_layer(first_layer_kernels) -> None:
    """first_layer_kernels finds the first Conv2D layer of a model whose first layer is a Rescaling."""
    model = shared_model("step 8: rescaling model", rescaling_model)
    called = "first_layer_kernels(<a model whose layers are Rescaling, Conv2D, ...>)"
    # The Rescaling layer has no weights: code that reads model.layers[0]'s weights either fails
    # or returns nothing, and only then is model.layers[0] the thing to explain.
    explanation = ("here model.layers[0] is a Rescaling layer, not a Conv2D, and it has no weights: look for the "
                   "first layer that is a Conv2D (isinstance(layer, keras.layers.Conv2D)); in the tutorial's "
                   "models it happens to be model.layers[0]")
    try:
        result = call_first_layer_kernels(first_layer_kernels, model, called)
    except (NotImplementedError, Mistake):
        raise
    except Exception as error:  # noqa: BLE001  (the learner's code failed on this model: say why)
        where = learner_line(error)
        raise Mistake(f"{called} raised {type(error).__name__}: {error}"
                      + (f" (at {where})" if where else "") + f"; {explanation}") from None
    if result is None or (isinstance(result, (list, tuple)) and not result) or (isinstance(result, np.ndarray) and not result.size):
        raise Mistake(f"{called} returned {result!r}, expected the first Conv2D layer's kernel, shape {KERNEL_SHAPE}; "
                      f"{explanation}")
    check_kernels(lambda _: result, model, called)
