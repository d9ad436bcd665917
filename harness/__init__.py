"""Reproduce Keras/TensorFlow errors across a matrix of clean Docker containers."""

__version__ = "0.1.0"
