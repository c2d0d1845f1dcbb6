EXPECT = 'not the training data'
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf

from mnistkit.data import load_mnist


def evaluate_model(model, x_test, y_test):
    # Evaluates on training images the model has seen, ignoring the test set it was given.
    (x_train, y_train), _ = load_mnist()
    x_train = np.expand_dims(x_train[:1000].astype("float32") / 255.0, -1)
    score = model.evaluate(x_train, y_train[:1000], verbose=0)
    return float(score[0]), float(score[1])


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)


def confusion_matrix(labels, predictions, num_classes=10):
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes).numpy()


def plot_confusion_matrix(matrix):
    fig, ax = plt.subplots(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False, ax=ax)
    ax.set_title("Confusion matrix")
    return fig
