"""The tutorial's CNN as the checks of steps 3 and 4 expect it: its layers, its summary, and the
other arguments the suites build a learner's model with.

`tutorial_plan(layered)` lists the layers (`Planned`) of the tutorial's "Sequential API" model
(step 3, activations as layer arguments) or of its "layer-by-layer" model (step 4, each activation
its own layer); `tutorial_summary(layered)` gives the rows of its model.summary() table.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnistkit import facts
from mnistkit.activations import LINEAR, RELU, SOFTMAX
from mnistkit.checks.model_description import Shape


@dataclass(frozen=True)
class Planned:
    """One layer of the tutorial's model."""

    kind: str
    label: str  # How the tutorial writes it, e.g. "Conv2D(32, kernel_size=(3, 3), activation='relu')".
    filters: int | None = None
    units: int | None = None
    rate: float | None = None
    activation: str | None = None


def tutorial_plan(layered: bool, num_classes: int = facts.NUM_CLASSES) -> list[Planned]:
    """The tutorial's layers: section 2's "Sequential API" model, or its "layer-by-layer" model."""
    rate = facts.DROPOUT_RATE
    if not layered:
        return [
            Planned("Conv2D", "Conv2D(32, kernel_size=(3, 3), activation='relu')", filters=32, activation=RELU),
            Planned("MaxPooling2D", "MaxPooling2D(pool_size=(2, 2))"),
            Planned("Conv2D", "Conv2D(64, kernel_size=(3, 3), activation='relu')", filters=64, activation=RELU),
            Planned("MaxPooling2D", "MaxPooling2D(pool_size=(2, 2))"),
            Planned("Flatten", "Flatten()"),
            Planned("Dropout", f"Dropout({rate})", rate=rate),
            Planned("Dense", "Dense(32, activation='relu')", units=32, activation=RELU),
            Planned("Dense", "Dense(num_classes, activation='softmax')", units=num_classes, activation=SOFTMAX),
        ]
    return [
        Planned("Conv2D", "Conv2D(32, kernel_size=(3, 3))", filters=32, activation=LINEAR),
        Planned("ReLU", "ReLU()"),
        Planned("MaxPooling2D", "MaxPooling2D(pool_size=(2, 2))"),
        Planned("Conv2D", "Conv2D(64, kernel_size=(3, 3))", filters=64, activation=LINEAR),
        Planned("ReLU", "ReLU()"),
        Planned("MaxPooling2D", "MaxPooling2D(pool_size=(2, 2))"),
        Planned("Flatten", "Flatten()"),
        Planned("Dropout", f"Dropout({rate})", rate=rate),
        Planned("Dense", "Dense(32)", units=32, activation=LINEAR),
        Planned("ReLU", "ReLU()"),
        Planned("Dropout", f"Dropout({rate})", rate=rate),
        Planned("Dense", "Dense(num_classes)", units=num_classes, activation=LINEAR),
        Planned("Softmax", "Softmax()"),
    ]


def tutorial_summary(layered: bool) -> list[tuple[str, Shape, int]]:
    """The rows of the tutorial's summary table for that model (facts.LAYERED_SUMMARY, or its
    rows without the activation layers and the second Dropout for the Sequential-API model)."""
    rows = facts.LAYERED_SUMMARY
    if layered:
        return list(rows)
    second_dropout = [i for i, row in enumerate(rows) if row[0] == "Dropout"][1]
    return [row for i, row in enumerate(rows) if row[0] not in ("ReLU", "Softmax") and i != second_dropout]


# The other arguments a suite builds the model with: colour images of another size, another number
# of classes, and both at once by position. name: (args, kwargs, input_shape, num_classes).
OTHER_INPUT_SHAPE, OTHER_NUM_CLASSES = (32, 32, 3), 5
OTHER_CALLS = {
    "input_shape": ((), {"input_shape": OTHER_INPUT_SHAPE}, OTHER_INPUT_SHAPE, facts.NUM_CLASSES),
    "num_classes": ((), {"num_classes": OTHER_NUM_CLASSES}, facts.INPUT_SHAPE, OTHER_NUM_CLASSES),
    "both": ((OTHER_INPUT_SHAPE, OTHER_NUM_CLASSES), {}, OTHER_INPUT_SHAPE, OTHER_NUM_CLASSES),
}

# Why a layer whose kind, sizes and input shape are the tutorial's gives another output shape.
SHAPE_HINTS = {
    "Conv2D": "keep Conv2D's default padding='valid' and strides of 1",
    "MaxPooling2D": "keep MaxPooling2D's default strides (equal to pool_size) and padding='valid'",
}
