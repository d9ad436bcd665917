"""
title: Keras imported without TensorFlow
source: "seeds/000_47bb3c59622a7d38.txt, Scenario 1: Missing TensorFlow Installation"
description: >
  The article's code, unchanged: import keras, build a Sequential model and add a
  Dense layer with input_dim. The article says `import keras` succeeds without
  TensorFlow and a NoneType error surfaces when the model is built.
claim:
  summary: "a 'NoneType' error when the model is created (import keras itself succeeds)"
  pattern: "NoneType"
"""
import keras

model = keras.models.Sequential()
model.add(keras.layers.Dense(10, input_dim=5))
