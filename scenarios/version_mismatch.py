"""
title: Keras / TensorFlow version mismatch
source: "seeds/000_47bb3c59622a7d38.txt, Scenario 3: Version Incompatibility"
description: >
  The article's code, unchanged: import keras and tensorflow, overwrite
  tf.__version__ with "1.0.0" and build a model. The matrix's layered
  environments (a newer Keras installed over an older TensorFlow and the
  reverse) make the real mismatch that the article's assignment only mimics.
claim:
  summary: "a 'NoneType' error when the model is created"
  pattern: "NoneType"
"""
import keras
import tensorflow as tf
#simulating an incompatible version (assume this version does not implement needed functionality)
tf.__version__ = "1.0.0"
model = keras.models.Sequential() #Causes NoneType error
model.add(keras.layers.Dense(10, input_dim=5))
