"""Step 3: build the CNN with the Sequential API.

Run the checks with `pytest exercises/step3`; the README beside this file explains the step.
"""

import keras
from keras import layers


def build_sequential_model(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10) -> keras.Sequential:
    """Build the tutorial's convolutional network as a keras.Sequential list of layers.

    Tutorial section "2. Create Neural Network Model", "1. Sequential API": the layers are
    stacked one after another, and each layer's activation is given as an argument of that layer.

        Conv2D(32, 3x3, relu) → MaxPooling2D(2x2) → Conv2D(64, 3x3, relu) → MaxPooling2D(2x2)
        → Flatten → Dropout(0.5) → Dense(32, relu) → Dense(num_classes, softmax)

    Args:
        input_shape: the shape of one image, (height, width, channels); (28, 28, 1) for MNIST.
        num_classes: how many classes the model tells apart; 10 digits for MNIST.

    Returns:
        A new, uncompiled keras.Sequential model (compiling is step 5). With the default arguments
        it has 70,378 parameters.

    Example:
        >>> model = build_sequential_model()
        >>> model.count_params()
        70378
        >>> model.output_shape
        (None, 10)
    """
    # TODO(step 3): return keras.Sequential([...]) with the tutorial's eight layers.
    raise NotImplementedError("step 3: build_sequential_model() is not written yet")
