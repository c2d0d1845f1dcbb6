"""What the tutorial says, as data: the suites check against these and quote them in messages."""

from __future__ import annotations

INPUT_SHAPE = (28, 28, 1)  # Height, width, channels: grayscale MNIST.
NUM_CLASSES = 10

# The tutorial's summary table of the layer-by-layer model: (layer, output shape, parameters).
# The Sequential-API model has the same rows without the activation layers and the second Dropout.
LAYERED_SUMMARY = [
    ("Conv2D", (None, 26, 26, 32), 320),
    ("ReLU", (None, 26, 26, 32), 0),
    ("MaxPooling2D", (None, 13, 13, 32), 0),
    ("Conv2D", (None, 11, 11, 64), 18496),
    ("ReLU", (None, 11, 11, 64), 0),
    ("MaxPooling2D", (None, 5, 5, 64), 0),
    ("Flatten", (None, 1600), 0),
    ("Dropout", (None, 1600), 0),
    ("Dense", (None, 32), 51232),
    ("ReLU", (None, 32), 0),
    ("Dropout", (None, 32), 0),
    ("Dense", (None, 10), 330),
    ("Softmax", (None, 10), 0),
]
TOTAL_PARAMS = 70_378

DROPOUT_RATE = 0.5

# Compiling and fitting, section 3.
LOSS = "sparse_categorical_crossentropy"
OPTIMIZER = "adam"
METRICS = ["accuracy"]
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
BATCH_SIZE = 128
EPOCHS = 10
VALIDATION_SPLIT = 0.1

# The tutorial's result after 10 epochs (section 4).
TEST_LOSS = 0.032
TEST_ACCURACY = 0.9893

# The versions the kit's thresholds (training accuracies, tolerances, timings) were measured on;
# mnistkit.versions says so once when the installed ones differ.
MEASURED_ON = {"tensorflow": "2.21", "keras": "3.15"}
