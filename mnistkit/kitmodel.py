"""The kit's own trained CNN, which steps 7 and 8 hand to the learner's functions, shipped with the kit.

The model is the tutorial's Sequential-API CNN after one seeded epoch on the first TRAIN_IMAGES
training images. Training it costs a process some 2.6 s on 2 cores (measured: 2.66 s, 2.58 s of
CPU, on top of TensorFlow's import; building it and reading the shipped weights: 0.26 s), and
every process that computed it afresh paid that: a learner's
first check of step 7 and of step 8, and each grade that counts (which never reads what is
remembered on the machine, mnistkit/memo.py). It is the same model every time, so the kit ships
its weights: `mnistkit/data/kit_cnn.npz`, read without pickle, like the MNIST file beside it.

The file names the model it holds by a digest of its recipe (architecture, compile settings,
training budget, seed and training images, in terms no Keras 3 release writes differently). A file that is missing, damaged, or holds another
recipe is not used: the model is then trained as before, and kept per machine. The kit's
self-test (tests/test_kitmodel.py) checks that the shipped file is the current recipe's.

A grade trusts it as it trusts the kit's own code, unlike what is remembered per machine: the
learner's sandbox can't write the kit (mnistkit/engine/confine.py), and a submission brings only
its exercise files, graded with the teacher's kit. Nor would other weights help wrong code pass:
every expected value is computed from the very model the learner's function is handed, and
step 7 stops, as the kit's fault, at a model that reads too few test digits right
(`checks.figures.MIN_TEST_ACCURACY`).

Course authors who change the model or its training rebuild the file:

    python -m mnistkit.kitmodel          # train and write mnistkit/data/kit_cnn.npz
    python -m mnistkit.kitmodel --check  # exit 1 if it doesn't hold the current recipe
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from mnistkit import reference

# One seeded epoch on the first 3,000 training images in batches of 32 (94 updates). Measured on
# the first 1,000 test images, seeds 1234, 1, 2, 3, 4, 5, 6: accuracy 0.871, 0.852, 0.882, 0.849,
# 0.839, 0.878, 0.862 and loss 0.41-0.49; the same budget with batches of 128 reaches only
# 0.64-0.73. Untrained, seeds 1234, 1, 2, 3, 4: accuracy 0.095, 0.14, 0.057, 0.10, 0.137. The
# model only has to be good enough that its predictions and confusion matrix look like a real
# classifier's (a strong, asymmetric diagonal).
TRAIN_IMAGES = 3000
TRAIN_BATCH_SIZE = 32

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "kit_cnn.npz"
REBUILD = "python -m mnistkit.kitmodel"


def build():
    """The kit's CNN, compiled with step 5's settings and seeded, not yet trained."""
    reference.reset_keras()
    return reference.compile_model(reference.build_model(layered=False))


# The layer settings that decide what a layer computes, as every Keras 3 release names them. A
# layer's whole get_config() is not used: releases add keys (Dense's quantization_config) and
# change how others are written (dtype policies), which would make a good file look out of date.
LAYER_SETTINGS = ("units", "filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "pool_size",
                  "rate", "use_bias", "data_format")


def architecture(model) -> list:
    """The model's input shape and, for each layer, its class and LAYER_SETTINGS: not its name,
    nor anything a Keras release writes its own way."""
    layers = []
    for layer in model.layers:
        config = layer.get_config()
        layers.append([type(layer).__name__, {key: config[key] for key in LAYER_SETTINGS if key in config}])
    return [list(model.input_shape), layers]


def recipe(model) -> str:
    """A digest of what the trained weights depend on, but the library versions: weights trained
    with one version of TensorFlow are as good a trained CNN under another."""
    from mnistkit import facts
    from mnistkit.data import ARRAY_SHA256

    described = [architecture(model), facts.LOSS, facts.OPTIMIZER, list(facts.METRICS), TRAIN_IMAGES, TRAIN_BATCH_SIZE,
                 reference.SEED, ARRAY_SHA256["x_train"], ARRAY_SHA256["y_train"]]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=repr).encode()).hexdigest()


def train(model) -> list[np.ndarray]:
    """Train `model` (from `build()`) on the kit's budget; its weights."""
    from mnistkit.data import load_mnist

    (x_train, y_train), _ = load_mnist()
    reference.train(model, reference.prepare(x_train[:TRAIN_IMAGES]), y_train[:TRAIN_IMAGES], epochs=1,
                    batch_size=TRAIN_BATCH_SIZE)
    return model.get_weights()


def shipped(model, path: Path | None = None) -> list[np.ndarray] | None:
    """The weights `path` (the kit's file by default) holds for `model`'s recipe, or None when it
    holds none that fit: missing, unreadable (the zip's checksums catch changed bytes), another
    recipe, or arrays of other shapes."""
    try:
        with np.load(path or WEIGHTS_FILE, allow_pickle=False) as archive:
            if str(archive["recipe"]) != recipe(model):
                return None
            weights = [archive[f"w{i}"] for i in range(len(model.weights))]
            if len(archive.files) != len(weights) + 1:
                return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return None
    expected = [(tuple(w.shape), np.dtype(w.dtype)) for w in model.weights]
    if [(w.shape, w.dtype) for w in weights] != expected:
        return None
    return weights


def write(path: Path, model, weights: list[np.ndarray]) -> None:
    """Keep `weights` for `model`'s recipe in `path`, as `shipped` reads them."""
    arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(weights)}
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(temporary, recipe=np.array(recipe(model)), **arrays)
    temporary.replace(path)


def trained_model():
    """The kit's compiled and trained CNN: the shipped weights, else trained (and kept per machine,
    except by a grade that counts, which trains its own)."""
    from mnistkit import memo

    model = build()
    weights = shipped(model)
    if weights is None:
        digest = memo.model_digest(model, "trained", TRAIN_IMAGES, TRAIN_BATCH_SIZE, reference.SEED, reference.fingerprint())
        kept = memo.remembered("trained", digest, lambda: {f"w{i}": w for i, w in enumerate(train(model))})
        weights = [kept[f"w{i}"] for i in range(len(kept))]
    model.set_weights(weights)
    return model


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments not in ([], ["--check"]):
        print(f"usage: {REBUILD} [--check]", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # Before TensorFlow's import (in build()).
    model = build()
    if arguments == ["--check"]:
        if shipped(model) is None:
            print(f"{WEIGHTS_FILE} does not hold the kit's current CNN: rebuild it with `{REBUILD}` "
                  "(course authors, after changing the model or its training)")
            return 1
        print(f"{WEIGHTS_FILE} holds the kit's current CNN")
        return 0
    write(WEIGHTS_FILE, model, train(model))
    print(f"wrote {WEIGHTS_FILE} ({WEIGHTS_FILE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
