EXPECT = 'pass'
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf


def evaluate_model(model, x_test, y_test):
    return model.evaluate(x_test, y_test, verbose=0)


def predict_labels(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)


def confusion_matrix(labels, predictions, num_classes=10):
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes).numpy()


def plot_confusion_matrix(matrix):
    fig, ax = plt.subplots(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False, ax=ax)
    ax.set_title("Confusion matrix")
    return fig
