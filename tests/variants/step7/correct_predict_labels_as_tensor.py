EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf


def evaluate_model(model, x_test, y_test):
    score = model.evaluate(x_test, y_test, verbose=0)
    return score[0], score[1]


def predict_labels(model, images):
    # A tf.Tensor of int64 labels: numpy.asarray makes it the right array.
    return tf.argmax(model.predict(images, verbose=0), axis=1)


def confusion_matrix(labels, predictions, num_classes=10):
    # A tf.Tensor, as the tutorial's tf.math.confusion_matrix gives it.
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes)


def plot_confusion_matrix(matrix):
    plt.figure(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False)
    plt.title("Confusion matrix")
    return plt.gcf()
