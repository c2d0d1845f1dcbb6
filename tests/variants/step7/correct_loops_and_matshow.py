EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf


def evaluate_model(model, x_test, y_test):
    return tuple(float(value) for value in model.evaluate(x_test, y_test, verbose=0))


def predict_labels(model, images):
    return tf.argmax(model.predict(images, verbose=0), axis=1)  # A tf.Tensor of int64.


def confusion_matrix(labels, predictions, num_classes=10):
    matrix = [[0] * num_classes for _ in range(num_classes)]
    for label, prediction in zip(labels, predictions):
        matrix[int(label)][int(prediction)] += 1
    return np.array(matrix)


def plot_confusion_matrix(matrix):
    fig = plt.figure(figsize=(7, 6))
    ax = fig.add_subplot()
    picture = ax.matshow(matrix, cmap="viridis")
    fig.colorbar(picture, ax=ax)
    for (row, column), count in np.ndenumerate(matrix):
        ax.text(column, row, count, ha="center", va="center", color="white")
    ax.set_title("Confusion matrix of the test set")
    return fig
