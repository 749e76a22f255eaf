"""Each claim a demo's text makes about its slider, checked at both ends and the middle of where it is said to hold.

The sliders' ranges are read from the notebooks, so narrowing or widening a slider
re-tests the claim over the new range.  The sliders are logarithmic: the middle is the
geometric mean.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from course import backprop_failures as failures
from course import house_prices as hp
from instructor.references.house_prices import full_gradient as gradient
from instructor.references.house_prices import relu_gradient

ROOT = Path(__file__).resolve().parents[1]
HOUSES = (ROOT / "source" / "a4_house_prices" / "house_prices.md").read_text()


def slider_range(source: str, trains: str) -> tuple[float, float]:
    """(low, high) of the LearningRateSlider whose train= calls `trains`."""
    for cell in source.split("```{code-cell}"):
        if "LearningRateSlider(" in cell and trains in cell:
            low = re.search(r"low=([\d.e-]+)", cell).group(1)
            high = re.search(r"high=([\d.e-]+)", cell).group(1)
            return float(low), float(high)
    raise AssertionError(f"no slider trains with {trains}")


def ends_and_middle(low: float, high: float) -> list[float]:
    return [low, math.sqrt(low * high), high]


x, y = hp.standardised_houses().x, hp.standardised_houses().y
NOISY = slider_range(HOUSES, "failures.noisy_updates")
DEAD = slider_range(HOUSES, "failures.dead_relu_units")
VANISHING = slider_range(HOUSES, "failures.gradient_norms")
EXPLODING = slider_range(HOUSES, "failures.chain_of_factors")


def _noisy(eta):
    return failures.noisy_updates(gradient, x, y, learning_rate=eta, steps=100)


@pytest.mark.parametrize("eta", ends_and_middle(*NOISY))
def test_full_batch_descent_never_rises_over_the_whole_noisy_slider(eta):
    run = _noisy(eta)
    assert np.all(np.isfinite(run.full_batch))
    assert run.full_batch.max() <= run.full_batch[0] * (1 + 1e-9) and run.full_batch[-1] < run.full_batch[0]


@pytest.mark.parametrize("eta", ends_and_middle(NOISY[0], 0.01))
def test_below_0_01_the_noise_averages_out(eta):
    run = _noisy(eta)
    assert run.one_record[-1] < run.one_record[0]
    assert run.one_record[-1] < 1.5 * run.full_batch[-1]


@pytest.mark.parametrize("eta", ends_and_middle(0.03, NOISY[1]))
def test_from_0_03_the_single_record_loss_climbs_above_its_start(eta):
    assert _noisy(eta).one_record.max() > 1.3 * _noisy(eta).one_record[0]


def test_beyond_the_noisy_slider_full_batch_descent_diverges_as_the_text_says():
    run = _noisy(0.2)
    assert round(run.full_batch[0], 1) == 8.6 and 1900 < run.full_batch[-1] < 2100


def _dead(eta):
    return failures.dead_relu_units(relu_gradient, x, y, learning_rate=eta)


@pytest.mark.parametrize("eta", ends_and_middle(*DEAD))
def test_two_units_are_dead_at_the_start_and_the_network_never_diverges_on_the_slider(eta):
    run = _dead(eta)
    assert run.dead[0] == 2 and run.units == 20
    assert np.all(np.isfinite(run.losses)) and np.all(np.diff(run.dead) >= 0)


@pytest.mark.parametrize("eta", ends_and_middle(DEAD[0], 0.03))
def test_up_to_0_03_training_kills_at_most_one_more_unit(eta):
    assert _dead(eta).dead[-1] <= 3


@pytest.mark.parametrize("eta", ends_and_middle(0.05, DEAD[1]))
def test_from_0_05_units_die_during_training(eta):
    assert _dead(eta).dead[-1] >= 9


def test_the_dead_unit_counts_the_text_gives():
    assert (_dead(0.05).dead[-1], _dead(DEAD[1]).dead[-1]) == (9, 18)
    assert not np.all(np.isfinite(_dead(0.09).losses))  # where the slider stops, and why


def _ratio(scale):
    """The hidden layer's gradient over the output layer's, typical (median) over the slider's 150 steps."""
    norms = failures.gradient_norms(gradient, x, y, input_scale=scale)
    return float(np.median(norms.hidden / norms.output))


@pytest.mark.parametrize("scale", ends_and_middle(VANISHING[0], 10))
def test_up_to_10_both_layers_gradients_are_within_a_factor_10(scale):
    assert 0.1 < _ratio(scale) < 10


@pytest.mark.parametrize("scale", ends_and_middle(300, VANISHING[1]))
def test_from_a_few_hundred_the_hidden_gradient_vanishes(scale):
    norms = failures.gradient_norms(gradient, x, y, input_scale=scale)
    assert norms.saturated > 0.9 and _ratio(scale) < 0.05


def test_the_vanishing_ratios_the_text_gives():
    """From a few hundred: a few hundredths of the output layer's or far below, down past 1e-60."""
    ratios = [_ratio(scale) for scale in np.geomspace(300, VANISHING[1], 7)]
    assert max(ratios) < 0.05 and min(ratios) < 1e-60, ratios


@pytest.mark.parametrize("factor", ends_and_middle(EXPLODING[0], 0.99))
def test_a_factor_below_1_vanishes(factor):
    assert failures.chain_of_factors(factor)[-1] < 1


@pytest.mark.parametrize("factor", ends_and_middle(1.01, EXPLODING[1]))
def test_a_factor_above_1_explodes(factor):
    assert failures.chain_of_factors(factor)[-1] > 1


# --- the learning-rate sliders of all four assignments ------------------------------

from course import data  # noqa: E402
from course import linear_regression as lr  # noqa: E402
from course import network_321 as n321  # noqa: E402
from course import sigmoid_networks as sn  # noqa: E402
from course.sigmoid_networks_figures import describe  # noqa: E402
from instructor.references import linear_regression as reference_lr  # noqa: E402
from instructor.references import network_321 as reference_321  # noqa: E402
from instructor.references import sigmoid_networks as reference_sn  # noqa: E402


def _source(name: str) -> str:
    return next((ROOT / "source").glob(f"*/{name}.md")).read_text()


x_toy, y_toy = data.linear_toy()
REFERENCE_GRADIENT = lr.gradient_from_links(reference_lr.loss_slope, reference_lr.prediction_slopes,
                                            reference_lr.batch_gradient)
CRITICAL = lr.critical_learning_rate(x_toy)
LINEAR = slider_range(_source("linear_regression"), "lr.gradient_descent")


def _linear_losses(eta):
    return np.asarray(lr.gradient_descent(REFERENCE_GRADIENT, x_toy, y_toy, learning_rate=eta,
                                          epochs=60).loss)


def test_the_divergence_limit_lies_inside_the_linear_slider():
    assert LINEAR[0] < CRITICAL < LINEAR[1]


@pytest.mark.parametrize("eta", ends_and_middle(LINEAR[0], 0.99 * CRITICAL))
def test_below_the_limit_batch_descent_converges(eta):
    losses = _linear_losses(eta)
    assert np.all(np.diff(losses) <= 0) and losses[-1] < losses[0]


@pytest.mark.parametrize("eta", ends_and_middle(1.01 * CRITICAL, LINEAR[1]))
def test_above_the_limit_batch_descent_diverges(eta):
    losses = _linear_losses(eta)
    assert losses[-1] > losses[0]


def test_above_the_limit_the_loss_grows_as_the_text_says():
    """'about tenfold in the 60 steps just above the limit, past a million times its start within 20 steps at
    η = 0.2' (the text said the loss 'explodes' everywhere above the limit; just above it, it grows tenfold)."""
    from course.plots import first_divergence

    ratio = _linear_losses(1.01 * CRITICAL)[-1] / _linear_losses(1.01 * CRITICAL)[0]
    assert 5 < ratio < 20
    assert first_divergence(_linear_losses(0.2)) < 20


def test_just_under_the_limit_the_parameters_zig_zag_while_the_loss_falls():
    run = lr.gradient_descent(REFERENCE_GRADIENT, x_toy, y_toy, learning_rate=0.95 * CRITICAL, epochs=60)
    assert np.sum(np.diff(np.sign(np.diff(run.w))) != 0) > 30 and np.all(np.diff(run.loss) <= 0)


TWO_NODE = slider_range(_source("sigmoid_networks"), "train=train_at")
_start = {name: data.TWO_NODE[name] for name in ("w0", "w1", "w2", "s0", "target")}
_gradients = sn.two_node_backprop(sn.TwoNodeFunctions(*(getattr(reference_sn, name)
                                                         for name in sn.TwoNodeFunctions._fields)))


def _two_node(eta):
    return describe(sn.train_two_node(_gradients, learning_rate=eta, steps=1000, **_start), eta)


@pytest.mark.parametrize("eta, phrase", [
    (TWO_NODE[0], "slow"), (0.003, "slow"), (0.1, "at step 6"), (math.sqrt(TWO_NODE[0] * TWO_NODE[1]), "stays"),
    (4, "overshoot"), (10, "stuck at"), (50, "exploded at step 3"), (TWO_NODE[1], "exploded at step"),
])
def test_the_two_node_slider_does_what_the_text_lists(eta, phrase):
    assert phrase in _two_node(eta)


NETWORK = slider_range(_source("network_321"), "n321.train")
_X, _y = n321.lecture_data(300)


def _network_losses(eta):
    return np.asarray(n321.train(n321.backprop_of(reference_321), _X, _y, *n321.start(), learning_rate=eta, steps=300,
                                 loss_every=3).losses)


def test_the_network_slider_is_slow_at_its_low_end_converges_at_the_lectures_and_overshoots_at_its_high_end():
    slow, lecture, middle, high = (_network_losses(eta) for eta in
                                   (NETWORK[0], 5e-4, math.sqrt(NETWORK[0] * NETWORK[1]), NETWORK[1]))
    assert 0.1 * slow[0] < slow[-1] < slow[0]
    assert lecture[-1] < 1e-3 * lecture[0] and middle[-1] < 1e-2 * middle[0]
    assert high[-1] > high[0]


@pytest.mark.parametrize("eta", np.geomspace(0.005, NETWORK[1], 7))
def test_above_0_005_the_prediction_falls_below_every_target_and_the_loss_sticks_near_the_mean_of_y_squared(eta):
    """The text: above about 0.005 an early step overshoots so far that ŷ falls below every target, and the
    loss then hardly moves, near mean(y²) (the loss of predicting 0), above where it started."""
    run = n321.train(n321.backprop_of(reference_321), _X, _y, *n321.start(), learning_rate=eta, steps=300,
                     loss_every=1)
    losses = run.losses
    assert np.isfinite(losses).all() and losses[-1] > losses[0]
    assert 0.9 * np.mean(_y ** 2) < losses[-1] < np.mean(_y ** 2)
    assert abs(losses[-1] - losses[-101]) < 0.1 * losses[-1], "the loss hardly moves over the last 100 steps"
    assert np.all(n321.forward(_X, run.W1, run.w2).y_hat < _y.min()), "ŷ below every target"


HOUSE = slider_range(HOUSES, "hp.train(full_gradient")


def _house_losses(eta):
    return hp.train(gradient, x, y, *hp.initial_weights(seed=0), learning_rate=eta, steps=200).losses


def test_at_the_house_sliders_low_end_the_loss_has_fallen_only_to_about_3_8():
    assert 3.5 < _house_losses(HOUSE[0])[-1] < 4.1


@pytest.mark.parametrize("eta", ends_and_middle(HOUSE[0], 0.07))
def test_up_to_0_07_the_house_loss_falls_at_every_step(eta):
    assert np.all(np.diff(_house_losses(eta)) <= 0)


@pytest.mark.parametrize("eta", [0.08, 0.1, 0.15, 0.19])
def test_from_0_08_it_rises_on_some_steps_on_its_way_down(eta):
    losses = _house_losses(eta)
    assert np.any(np.diff(losses) > 0) and losses[-1] < losses[0]


@pytest.mark.parametrize("eta", [0.09, 0.1, 0.15, 0.19])
def test_from_0_09_the_first_steps_overshoot_above_the_start(eta):
    assert _house_losses(eta).max() > _house_losses(eta)[0]


def test_the_overshoots_and_the_rate_still_above_its_start_the_text_gives():
    assert 35 < _house_losses(0.1).max() < 45 and 900 < _house_losses(0.19).max() < 1100
    assert _house_losses(0.17)[-1] > _house_losses(0.17)[0]  # "around 0.17 it is still above its start"


@pytest.mark.parametrize("eta", ends_and_middle(0.2, HOUSE[1]))
def test_from_0_2_it_blows_up(eta):
    losses = _house_losses(eta)
    assert not np.isfinite(losses[-1]) or losses[-1] > 100 * losses[0]


# --- assignment 5: the softmax network's slider ------------------------------------

from course import softmax_network as softmax_net  # noqa: E402
from instructor.references import softmax_network as reference_softmax  # noqa: E402

SOFTMAX = slider_range(_source("softmax_network"), "sn.train(links")
_LINKS = softmax_net.Links(*(getattr(reference_softmax, name) for name in
                             ("output_error", "hidden_slope", "hidden_error", "weight_gradients", "bias_gradients")))
_X3, _labels3 = softmax_net.three_classes()


def _softmax_run(eta):
    return softmax_net.train(_LINKS, _X3, _labels3, softmax_net.initial_weights(2, 8, 3), learning_rate=eta, steps=300)


def test_at_the_softmax_sliders_low_end_the_loss_is_near_0_5_and_a_fifth_is_wrong():
    run = _softmax_run(SOFTMAX[0])
    assert 0.4 < run.losses[-1] < 0.6 and 0.75 < run.accuracies[-1] < 0.85


@pytest.mark.parametrize("eta", ends_and_middle(SOFTMAX[0], 2))
def test_up_to_2_the_cross_entropy_falls_at_every_step(eta):
    assert np.all(np.diff(_softmax_run(eta).losses) <= 0)


@pytest.mark.parametrize("eta", [1, 1.5, 2])
def test_around_1_to_2_all_but_one_record_is_classified_right(eta):
    assert round(_softmax_run(eta).accuracies[-1] * len(_labels3)) == len(_labels3) - 1


def test_from_4_the_first_steps_overshoot_above_the_start_and_nothing_overflows():
    for eta in _softmax_slider_stops(4, SOFTMAX[1]):
        losses = _softmax_run(eta).losses
        assert np.all(np.isfinite(losses)) and losses.max() > losses[0], eta


def _softmax_slider_stops(low, high):
    """The slider's own values between low and high (a log slider in steps of 10^0.02, course.widgets)."""
    exponents = np.arange(math.log10(SOFTMAX[0]), math.log10(SOFTMAX[1]) + 1e-9, 0.02)
    return [float(10 ** e) for e in exponents if low - 1e-9 <= 10 ** e <= high + 1e-9]


def _settled(losses):
    """No rise anywhere in the last third of the steps (what the slider's description calls settled)."""
    steps = len(losses) - 1
    return not np.any(np.diff(losses[-(steps // 3 + 1):]) > 0)


def test_from_4_to_8_it_settles_below_the_start_at_every_stop_of_the_slider():
    for eta in _softmax_slider_stops(4, 8):
        losses = _softmax_run(eta).losses
        assert losses[-1] < losses[0] and _settled(losses), eta


def test_above_8_it_often_never_settles_and_from_16_the_end_flips_between_below_and_above():
    """The text: above about η = 8 the loss often keeps jumping to the last step; from about 16 whether
    300 steps end below or above the start changes from one η to the next; η = 100 ends above."""
    unsettled = [eta for eta in _softmax_slider_stops(8.5, SOFTMAX[1]) if not _settled(_softmax_run(eta).losses)]
    assert len(unsettled) >= len(_softmax_slider_stops(8.5, SOFTMAX[1])) // 3
    ends_above = [losses[-1] > losses[0]
                  for losses in (_softmax_run(eta).losses for eta in _softmax_slider_stops(16, SOFTMAX[1]))]
    assert sum(ends_above) >= 5 and len(ends_above) - sum(ends_above) >= 5
    flips = sum(a != b for a, b in zip(ends_above, ends_above[1:]))
    assert flips >= 5
    assert ends_above[-1], "at η = 100 the loss ends higher than it started"


def test_the_twins_stay_identical():
    W1, b1, W2, b2 = (w.copy() for w in softmax_net.initial_weights(2, 8, 3))
    W1[:, 1], b1[1], W2[1] = W1[:, 0], b1[0], W2[0]
    W1, b1, W2, _ = softmax_net.train(_LINKS, _X3, _labels3, (W1, b1, W2, b2), learning_rate=1.0, steps=300).weights
    assert np.array_equal(W1[:, 0], W1[:, 1]) and b1[0] == b1[1] and np.array_equal(W2[0], W2[1])
