EXPECT = "pass"
import keras
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def evaluate_model(model, x_test, y_test):
    # The same numbers model.evaluate gives, computed by hand from the predictions.
    probabilities = model.predict(x_test, verbose=0)
    losses = keras.losses.sparse_categorical_crossentropy(y_test, probabilities)
    accuracy = np.mean(np.argmax(probabilities, axis=1) == y_test)
    return float(np.mean(losses)), float(accuracy)


def predict_labels(model, images):
    return np.array([int(np.argmax(row)) for row in model.predict(images, verbose=0)])


def confusion_matrix(labels, predictions, num_classes=10):
    flat = np.asarray(labels, dtype=np.int64) * num_classes + np.asarray(predictions, dtype=np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(matrix):
    fig, ax = plt.subplots()
    sns.heatmap(matrix, annot=True, fmt=",d", cbar=False, ax=ax)
    plt.title("confusion matrix")
    return fig
