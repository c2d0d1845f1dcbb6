"""Step 4: build the CNN layer by layer.

Run the checks with `pytest exercises/step4`; the README beside this file explains the step.
"""

import keras
from keras import layers


def build_layered_model(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10) -> keras.Sequential:
    """Build the tutorial's convolutional network again, with every activation as its own layer.

    Tutorial section "2. Create Neural Network Model", "2. Layer-by-Layer Sequential API": the
    list starts with keras.Input, the Conv2D and Dense layers get no activation argument, and a
    ReLU or Softmax layer follows each of them instead. A second Dropout follows the hidden Dense.

        Input → Conv2D(32, 3x3) → ReLU → MaxPooling2D(2x2) → Conv2D(64, 3x3) → ReLU
        → MaxPooling2D(2x2) → Flatten → Dropout(0.5) → Dense(32) → ReLU → Dropout(0.5)
        → Dense(num_classes) → Softmax

    Args:
        input_shape: the shape of one image, (height, width, channels); (28, 28, 1) for MNIST.
        num_classes: how many classes the model tells apart; 10 digits for MNIST.

    Returns:
        A new, uncompiled keras.Sequential model (compiling is step 5). With the default arguments
        it has 70,378 parameters, like step 3's model.

    Example:
        >>> model = build_layered_model()
        >>> len(model.layers), model.count_params()
        (13, 70378)
    """
    # TODO(step 4): return keras.Sequential([keras.Input(...), ...]) with the tutorial's thirteen layers.
    raise NotImplementedError("step 4: build_layered_model() is not written yet")
