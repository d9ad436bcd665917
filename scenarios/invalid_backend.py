"""
title: An invalid KERAS_BACKEND
source: "seeds/000_47bb3c59622a7d38.txt, Scenario 2: Incorrect Backend Configuration"
description: >
  The article's code, unchanged: import keras, then set KERAS_BACKEND to an
  invalid name, print keras.backend.backend() and build a Sequential model. Note
  the variable is set after the import; the matrix's backend axis also sets it
  (or keras.json) before the process starts.
claim:
  summary: "a 'NoneType' error when the Sequential model is created"
  pattern: "NoneType"
"""
import os
import keras
#This would simulate a situation where the keras.json file is present, but points to an invalid backend, here it is an invalid string
os.environ["KERAS_BACKEND"]="invalid_backend"
print(keras.backend.backend())
model = keras.models.Sequential() #likely causes NoneType error
