"""Keras 3 on the JAX backend, on the CPU: import Keras from here, never directly.

Keras reads its backend once, at its first import, and assumes TensorFlow
unless told otherwise; TensorFlow was 15–20× slower on the course's networks
and writes log lines to stderr, which nbgrader scores as a failed cell.
"""
from __future__ import annotations

import os
import sys

if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != "jax":
    raise RuntimeError("Keras was imported before course.keras_backend: restart the kernel and "
                       "import Keras with `from course.keras_backend import keras`.")

os.environ["KERAS_BACKEND"] = "jax"
# Without this JAX looks for accelerators first and warns on stderr when it finds none.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Keras writes its settings file on first import; keep it out of a read-only or shared home.
os.environ.setdefault("KERAS_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "keras-course"))

import keras  # noqa: E402

# Students compare with float64 numpy: run Keras in float32 (its default) but say so here,
# where the comparisons' tolerances are chosen.
FLOAT = "float32"
keras.config.set_floatx(FLOAT)

__all__ = ["keras", "FLOAT"]
