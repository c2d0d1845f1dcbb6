EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np


def evaluate_model(model, x_test, y_test):
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
    return float(loss), float(accuracy)


def predict_labels(model, images):
    probabilities = np.asarray(model(images, training=False))  # (N, 10)
    return probabilities.argmax(axis=-1)


def confusion_matrix(labels, predictions, num_classes=10):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (np.asarray(labels, dtype=int), np.asarray(predictions, dtype=int)), 1)
    return matrix


def plot_confusion_matrix(matrix):
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(matrix, cmap="Blues")
    for row in range(matrix.shape[0]):
        for column in range(matrix.shape[1]):
            ax.text(column, row, f"{matrix[row, column]:d}", ha="center", va="center")
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    fig.suptitle("Confusion Matrix")
    return fig
