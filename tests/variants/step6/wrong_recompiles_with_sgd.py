EXPECT = "the model did not learn"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    # Compiles again "to be sure", with plain gradient descent instead of step 5's Adam.
    model.compile(loss='sparse_categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split)
    return history


def plot_history(history):
    df_history = pd.DataFrame(history.history)
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    df_history[['loss', 'val_loss']].plot(title='Loss during training', ax=axs[0], xlabel='Epoch [#]', ylabel='Loss')
    df_history[['accuracy', 'val_accuracy']].plot(title='Accuracy during training', ax=axs[1], xlabel='Epoch [#]')
    return fig
