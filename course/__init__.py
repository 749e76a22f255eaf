"""The code the course's notebooks share: what the lectures define, and the tools to check it.

Topics (one per module): `linear_regression`, `activations`; tools: `checks` (tests that
name the wrong number, and the hidden-test probe), `gradcheck` (finite differences),
`plots`, `widgets` (learning-rate sliders) and `<topic>_figures` (the figures they redraw), `tables`, `data`.

Nothing here computes a graded answer: the reference implementations are instructor-only.
Importing this package imports no plotting or widget library; each module imports what it uses.
"""
