"""The tutorial as a plain Keras script: the yardstick `python grader.py --full` is timed against.

Same work as the full run: load, scale, channel axis, layer-by-layer model, compile, 10 epochs with
batch 128 and a 0.1 validation split, evaluate, predict, confusion matrix, the three figures.
The only change from the tutorial: MNIST comes from the kit's file (no network here).
"""

import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from mnistkit.data import load_mnist

started = time.monotonic()
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
out = tempfile.mkdtemp(prefix="plain-tutorial-")
num_classes, input_shape = 10, (28, 28, 1)
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train = np.expand_dims(x_train.astype("float32") / 255.0, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255.0, -1)
keras.utils.set_random_seed(1234)
model = keras.Sequential([
    keras.Input(shape=input_shape),
    layers.Conv2D(32, kernel_size=(3, 3)), layers.ReLU(), layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3)), layers.ReLU(), layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(), layers.Dropout(0.5), layers.Dense(32), layers.ReLU(), layers.Dropout(0.5),
    layers.Dense(num_classes), layers.Softmax(),
])
model.summary(print_fn=lambda *a, **k: None)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1)
score = model.evaluate(x_test, y_test, verbose=0)
predictions = np.argmax(model.predict(x_test, verbose=0), 1)
cm = tf.math.confusion_matrix(y_test, predictions)
df_history = pd.DataFrame(history.history)
fig, axs = plt.subplots(1, 2, figsize=(15, 4))
df_history.iloc[:, df_history.columns.str.contains("loss")].plot(title="Loss during training", ax=axs[0])
df_history.iloc[:, df_history.columns.str.contains("accuracy")].plot(title="Accuracy during training", ax=axs[1])
fig.savefig(f"{out}/history.png", dpi=100)
fig = plt.figure(figsize=(6, 6))
sns.heatmap(cm, square=True, annot=True, fmt="d", cbar=False)
fig.savefig(f"{out}/cm.png", dpi=100)
weights = model.layers[0].weights[0].numpy()
fig, axs = plt.subplots(4, 8, figsize=(10, 5))
for idx, ax in enumerate(np.ravel(axs)):
    ax.set_title(f"Kernel {idx}")
    ax.imshow(weights[..., idx], cmap="binary")
    ax.axis("off")
fig.savefig(f"{out}/kernels.png", dpi=100)
print(f"Test loss: {score[0]:.3f}  Test accuracy: {score[1] * 100:.2f}%  ({time.monotonic() - started:.1f} s)")
