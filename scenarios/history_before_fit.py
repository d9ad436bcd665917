"""
title: Reading model.history before fit()
source: "seeds/003_f6a249e9d52edad1.txt, Example 2: Incorrect Usage"
description: >
  The article's Example 2 without its try/except, so that the error it catches
  surfaces and is recorded: build and compile the model, then read
  model.history.history['accuracy'] before any fit().
claim:
  summary: "AttributeError: 'NoneType' object has no attribute '_keras_history'"
  pattern: "AttributeError: 'NoneType' object has no attribute '_keras_history'"
"""
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

# Attempting to access history BEFORE training (the article wraps this in try/except).
print(model.history.history['accuracy'])
