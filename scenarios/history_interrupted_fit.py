"""
title: Reading model.history after an interrupted fit()
source: "seeds/003_f6a249e9d52edad1.txt, Example 3: Handling Interruptions"
description: >
  The article's Example 3 with two changes that a sandboxed, offline container
  needs: random arrays of MNIST's shapes stand in for mnist.load_data() (which
  downloads), and a callback raises KeyboardInterrupt in the first batch, as the
  Ctrl+C the article simulates. After the interrupt the history is read without
  the article's guards, to see whether it is None, as the article says.
claim:
  summary: "the history is None after an interrupted fit, so reading it raises AttributeError on 'NoneType'"
  pattern: "AttributeError: 'NoneType' object has no attribute"
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.layers import Dense

model = keras.Sequential([
    Dense(128, activation='relu', input_shape=(784,)),
    Dense(10, activation='softmax')
])

model.compile(optimizer='adam',
              loss='categorical_crossentropy',
              metrics=['accuracy'])

rng = np.random.default_rng(0)
x_train = rng.random((100, 784), dtype=np.float32)
y_train = tf.keras.utils.to_categorical(rng.integers(0, 10, size=100), num_classes=10)


class Interrupt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        raise KeyboardInterrupt


try:
    history = model.fit(x_train[:100], y_train[:100], epochs=1, batch_size=32, callbacks=[Interrupt()], verbose=0)
except KeyboardInterrupt:
    print("Training interrupted.")
print(model.history.history)
