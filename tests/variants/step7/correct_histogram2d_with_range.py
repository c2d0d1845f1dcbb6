EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf


def evaluate_model(model, x_test, y_test):
    score = model.evaluate(x_test, y_test, verbose=0)
    return score[0], score[1]


def predict_labels(model, images):
    y_pred = model.predict(images, verbose=0)
    return np.argmax(y_pred, 1)


def confusion_matrix(labels, predictions, num_classes=10):
    # Bins of width 1 over 0..num_classes, whatever labels occur: bin k holds label k.
    counts, _, _ = np.histogram2d(labels, predictions, bins=num_classes, range=[[0, num_classes], [0, num_classes]])
    return counts.astype(np.int64)


def plot_confusion_matrix(matrix):
    plt.figure(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False)
    plt.title("Confusion matrix")
    return plt.gcf()
