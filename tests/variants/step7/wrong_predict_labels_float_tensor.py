EXPECT = "predict_labels(model, <500 test images>) returned a tf Tensor (EagerTensor) of dtype float32, not a numpy array"
FAILURES = 1
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf


def evaluate_model(model, x_test, y_test):
    score = model.evaluate(x_test, y_test, verbose=0)
    return score[0], score[1]


def predict_labels(model, images):
    return tf.cast(tf.argmax(model.predict(images, verbose=0), axis=1), tf.float32)


def confusion_matrix(labels, predictions, num_classes=10):
    # A tf.Tensor, as the tutorial's tf.math.confusion_matrix gives it.
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes)


def plot_confusion_matrix(matrix):
    plt.figure(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False)
    plt.title("Confusion matrix")
    return plt.gcf()
