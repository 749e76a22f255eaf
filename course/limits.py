"""The limits a notebook is graded under, in one place: grading and `python -m course validate` share them.

`course.validate` runs a student's notebook under these; the grader (instructor/execute.py,
instructor/sandbox.py, nbgrader_config.py) enforces the same numbers at autograde.
"""
from __future__ import annotations

# Cells tagged this way (plots, long training, Keras) teach but are not graded: skipped at
# autograde and by `python -m course validate`.
DEMO_TAG = "demo"

# A cell that runs longer is interrupted, and scores 0.
CELL_TIMEOUT_SECONDS = 15

# A notebook that runs longer in all has the cells it has not reached left unrun.
NOTEBOOK_TIMEOUT_SECONDS = 120

# A graded function gets this long per call inside a test before the test gives up on it.
SECONDS_PER_CALL = 5.0

# Output one cell may keep; the rest is dropped with a note.
MAX_OUTPUT_BYTES = 100_000

# Memory a student's kernel may use (its address space).
MEMORY_LIMIT_MB = 2048

# The largest file a student's kernel may write.
FILE_SIZE_LIMIT_MB = 64

# Top-level packages a graded cell must not import: each computes the derivatives the exercises ask
# for, automatically or symbolically.
BLOCKED_PACKAGES = ("jax", "jaxlib", "keras", "tf_keras", "tensorflow", "torch", "functorch", "autograd",
                    "sympy", "mpmath", "theano", "pytensor", "aesara", "tinygrad", "micrograd", "flax",
                    "optax", "equinox", "haiku", "casadi", "mxnet", "paddle", "chainer", "tangent")
# The course's own modules that wrap Keras (used only by demo cells).
BLOCKED_COURSE_MODULES = ("keras_backend", "network_321_keras", "house_prices_keras")
BLOCKED_MODULES = BLOCKED_PACKAGES + tuple(f"course.{name}" for name in BLOCKED_COURSE_MODULES)
BLOCKED_MESSAGE = ("{name} is not available when your notebook is graded: the graded functions must compute "
                   "their derivatives by hand (automatic differentiation is for the cells tagged demo)")
