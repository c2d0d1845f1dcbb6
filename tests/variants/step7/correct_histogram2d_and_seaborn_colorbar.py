EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def evaluate_model(model, x_test, y_test):
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    return np.float64(results["loss"]), np.float64(results["accuracy"])  # float64 is a Python float.


def predict_labels(model, images):
    return model.predict(images, batch_size=64, verbose=0).argmax(1).astype(np.int32)


def confusion_matrix(labels, predictions, num_classes=10):
    edges = np.arange(num_classes + 1) - 0.5
    counts, _, _ = np.histogram2d(labels, predictions, bins=[edges, edges])
    return counts.astype(int)


def plot_confusion_matrix(matrix):
    plt.figure(figsize=(6, 5))
    ax = sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues")  # With its colour bar.
    ax.set(xlabel="Predicted", ylabel="True", title="Confusion matrix")
    return ax.get_figure()
