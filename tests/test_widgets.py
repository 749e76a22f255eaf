"""The learning-rate slider without a front end: what it does with good and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

from course import plots
from course.widgets import LearningRateSlider


class LossFigure:
    """A minimal live figure: one loss curve, redrawn in place."""

    def __init__(self, steps: int):
        self.figure, (axes,) = plots.new_figure()
        self.curve = plots.LossCurve(axes, ylabel="loss (squared units)")
        self.curve.fix_limits(steps, 1e-6, 10.0)
        self.renderer = plots.BlitRenderer(self.figure, [self.curve.line, self.curve.marker])
        self.diverged = None

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, losses, learning_rate: float) -> str:
        self.diverged = self.curve.update(losses, rescale=False)
        return f"η = {learning_rate:.3g}: final loss {losses[-1]:.3g}"


def quadratic(learning_rate: float, steps: int = 40) -> np.ndarray:
    """Losses of gradient descent on ½w², which diverges for η > 2."""
    w = 1.0 * (1 - learning_rate) ** np.arange(steps + 1)
    return 0.5 * w**2


@pytest.fixture
def slider():
    return LearningRateSlider(quadratic, LossFigure(40), value=0.1, low=1e-3, high=3.0)


def status(slider: LearningRateSlider) -> str:
    return slider.status.value


def test_moving_the_slider_retrains_and_redraws(slider):
    before = bytes(slider.image.value)
    assert before.startswith(b"\x89PNG")
    slider.slider.value = 0.5
    assert bytes(slider.image.value) != before
    assert "η = 0.5" in status(slider)
    assert slider.box.value == "0.5", "the box follows the slider"


def test_typed_value_moves_the_slider(slider):
    slider.box.value = "0.02"
    assert math.isclose(slider.slider.value, 0.02, rel_tol=1e-9)
    assert "η = 0.02" in status(slider)


@pytest.mark.parametrize("typed, says", [
    ("fast", "is not a number"),
    ("", "is not a number"),
    ("-0.1", "must be a positive number"),
    ("0", "must be a positive number"),
    ("nan", "must be a positive number"),
    ("inf", "must be a positive number"),
])
def test_a_nonsense_value_is_refused_with_a_message(slider, typed, says):
    value, image = slider.slider.value, bytes(slider.image.value)
    slider.box.value = typed
    assert says in status(slider)
    assert slider.slider.value == value and bytes(slider.image.value) == image, "nothing changed"


@pytest.mark.parametrize("typed, clamped", [("1e9", 3.0), ("1e-9", 1e-3)])
def test_an_out_of_range_value_is_clamped_and_said(slider, typed, clamped):
    slider.box.value = typed
    assert math.isclose(slider.slider.value, clamped, rel_tol=1e-6)
    assert "outside this slider's range" in status(slider)


def test_divergence_is_marked_not_plotted_as_nan(slider):
    losses = quadratic(2.9, 400)
    assert plots.first_divergence(losses) is not None
    slider.live.update(losses, 2.9)
    assert slider.live.curve.marker.get_visible()
    assert "diverged at step" in slider.live.curve.marker.get_text()
    shown = slider.live.curve.line.get_ydata()
    assert np.isfinite(shown).all(), "no NaN or infinity reaches the plot"


def test_unimplemented_student_function_says_not_yet():
    def train(learning_rate):
        raise NotImplementedError()

    widget = LearningRateSlider(train, LossFigure(40), value=0.1, low=1e-3, high=3.0, needs="my_gradient")
    assert "Not yet" in status(widget) and "my_gradient" in status(widget)
    widget.slider.value = 0.2  # still no traceback
    assert "Not yet" in status(widget)


def test_a_failing_training_is_reported_not_raised():
    def train(learning_rate):
        raise ValueError("shapes (3,) and (2,) not aligned")

    widget = LearningRateSlider(train, LossFigure(40), value=0.1, low=1e-3, high=3.0)
    assert "Training failed" in status(widget) and "not aligned" in status(widget)


def test_headless_kernel_runs_a_slider_without_stderr(tmp_path):
    """Executed with no front end (as nbclient and nbgrader do), a slider cell is silent on stderr."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from tests.test_widgets import LossFigure, quadratic\n"
        "from course.widgets import LearningRateSlider\n"
        "s = LearningRateSlider(quadratic, LossFigure(40), value=0.1, low=1e-3, high=3.0)\n"
        "before = bytes(s.image.value)\n"
        "s.slider.value = 1.0\n"
        "print('moved:', s.status.value, bytes(s.image.value) != before)\n"
        "s.box.value = 'oops'\n"
        "print('typed:', s.status.value)\n"
        "s")])
    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(__import__("tests.conftest").conftest.ROOT)}}
                   ).execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"], outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    printed = "".join(o.text for o in outputs if o.get("name") == "stdout")
    # The slider works in that kernel: moving it retrains and redraws, nonsense is refused.
    assert "η = 1: final loss" in printed and "True" in printed.split("typed:")[0], printed
    assert "is not a number" in printed.split("typed:")[1], printed


def test_every_slider_registers_for_the_benchmark(slider):
    """benchmarks/sliders.py times the sliders it finds here; that they work is tested above."""
    assert slider in LearningRateSlider.instances
