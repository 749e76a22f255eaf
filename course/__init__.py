"""The code the course's notebooks share: what the lectures define, and the tools to check it.

Topics, one per module: `linear_regression` and `activations` (assignment 1), `sigmoid_networks`
(2), `network_321` (3), `house_prices` and `backprop_failures` (4), `softmax_network` (5); each with `<topic>_figures`,
the figures its sliders redraw, and for 3 and 4 `<topic>_keras`, its Keras twin (Keras 3 on JAX
through `keras_backend`). Tools: `checks` (tests that name the wrong number, and the hidden-test
probe), `gradcheck` (finite differences), `plots`, `widgets` (learning-rate sliders), `tables`, `data`.

Nothing here computes a graded answer: the reference implementations are instructor-only.
Importing this package imports no plotting or widget library; each module imports what it uses.
"""
