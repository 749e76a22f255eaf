"""Every data set of the course, each with where it comes from.

Seeded generators are used so that every number a student sees is
reproducible; `np.random.RandomState` reproduces the lecture's legacy
`np.random.seed(...)` streams without touching numpy's global state.
"""
from __future__ import annotations

import numpy as np

# --- Assignment 1: linear regression (lecture 002) -------------------------

#: The two observations the lecture "randomly picks" for its SGD steps.
SGD_OBSERVATIONS = [(5.0, 5.0), (9.0, 17.0)]


def batch_example() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's batch: x = 1, 2, 3 and y = 2x − 1 + 0.01·noise (numpy seed 111)."""
    x = np.array([1.0, 2.0, 3.0])
    y = 2 * x - 1 + 0.01 * np.random.RandomState(111).randn(3)
    return x, y


def linear_toy(n: int = 100, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """n points of y = 2x − 1 + N(0, 0.5²) noise, x uniform on [0, 4]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 4, size=n)
    return x, 2 * x - 1 + rng.normal(0, 0.5, size=n)


#: Lecture 002's logistic example: X (3, 2), w (2, 1), b.
LOGISTIC_EXAMPLE = {
    "X": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "w": np.array([[1.0], [2.0]]),
    "b": -10.0,
}

#: Lecture 002's softmax example: X (3, 2), W (2, 2), b (2,).
SOFTMAX_EXAMPLE = {
    "X": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "W": np.array([[1.0, 3.0], [2.0, 4.0]]),
    "b": np.array([-10.0, -20.0]),
}


# --- Assignment 2: sigmoid networks (lectures 003 and 001) ------------------

#: Lecture 003's two-node network: input s0, target, first weights, learning rate α, steps.
TWO_NODE = {"s0": 2.0, "target": 0.7, "w0": 2.0, "w1": 1.0, "w2": 0.5,
            "learning_rate": 0.1, "steps": 1000}

#: Lecture 001's worked example: one record x (3,), W_ih (3, 2), W_ho (2,), target, η.
HIDDEN_LAYER_EXAMPLE = {
    "x": np.array([0.5, 0.1, -0.2]),
    "target": 0.6,
    "learning_rate": 0.5,
    "weights_input_hidden": np.array([[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]]),
    "weights_hidden_output": np.array([0.1, -0.3]),
}

#: Columns of the admissions features: standardised GRE and GPA, then rank one-hot.
ADMISSIONS_COLUMNS = ("gre", "gpa", "rank_1", "rank_2", "rank_3", "rank_4")


def admissions_records(n: int = 1000, seed: int = 1) -> dict[str, np.ndarray]:
    """n synthetic applicants: gre, gpa, rank (1–4), admit (0/1) and admit_probability, each (n,).

    Lecture 001 trains on UCLA's graduate-admissions table (400 applicants,
    itself hypothetical data), which the course cannot ship.  These records
    imitate it: GRE ~ N(588, 115) in steps of 20 on [220, 800], GPA ~ N(3.39,
    0.38) on [2.26, 4.00] with correlation 0.38 to GRE, ranks in that table's
    proportions (61 : 151 : 121 : 67), and admission drawn with the probability
    of the logistic regression UCLA's statistics pages fit to it (log-odds
    −3.99 + 0.00226·GRE + 0.804·GPA, minus 0.675, 1.34, 1.55 for ranks 2, 3, 4),
    so about a third are admitted, as there.
    """
    rng = np.random.default_rng(seed)
    gre_z = rng.normal(size=n)
    gre = np.clip(np.round((587.7 + 115.5 * gre_z) / 20) * 20, 220, 800)
    gpa_z = 0.38 * gre_z + np.sqrt(1 - 0.38**2) * rng.normal(size=n)
    gpa = np.clip(np.round(3.39 + 0.38 * gpa_z, 2), 2.26, 4.0)
    rank = rng.choice([1, 2, 3, 4], size=n, p=np.array([61, 151, 121, 67]) / 400)
    log_odds = (-3.989979 + 0.002264 * gre + 0.804038 * gpa
                + np.select([rank == 2, rank == 3, rank == 4], [-0.675443, -1.340204, -1.551464], 0.0))
    probability = 1 / (1 + np.exp(-log_odds))
    admit = (rng.uniform(size=n) < probability).astype(float)
    return {"gre": gre, "gpa": gpa, "rank": rank, "admit": admit, "admit_probability": probability}


def admissions(n: int = 1000, test_fraction: float = 0.2, seed: int = 1) -> dict[str, np.ndarray]:
    """The synthetic applicants, split and prepared as lecture 001 prepares its data.

    Rank becomes four one-hot columns; GRE and GPA are standardised with the
    training records' mean and standard deviation (the test records must not
    shape the inputs).  A random fifth of the records is held out for testing.
    Returns, with lecture 001's names: features (n_train, 6), targets (n_train,)
    (1 = admitted), features_test (n_test, 6), targets_test (n_test,), and
    probability_test (n_test,), the admission probability each test record was
    drawn with; feature columns ADMISSIONS_COLUMNS.
    """
    records = admissions_records(n, seed)
    features = np.column_stack([records["gre"], records["gpa"]]
                               + [(records["rank"] == r).astype(float) for r in (1, 2, 3, 4)])
    n_test = int(round(n * test_fraction))
    order = np.random.default_rng(seed + 1).permutation(n)
    train, test = order[n_test:], order[:n_test]
    mean, std = features[train, :2].mean(axis=0), features[train, :2].std(axis=0)
    features[:, :2] = (features[:, :2] - mean) / std
    return {"features": features[train], "targets": records["admit"][train],
            "features_test": features[test], "targets_test": records["admit"][test],
            "probability_test": records["admit_probability"][test]}


# --- Assignment 3: the 3-2-1 network (lecture 000) --------------------------

#: Lecture 000's true weights: input → hidden unit 1 (3,), → hidden unit 2 (3,), hidden → output (2,).
NETWORK_321_TRUTH = {
    "w1_1": np.array([0.25, 0.5, 0.75]),
    "w1_2": np.array([0.75, 0.5, 0.25]),
    "w2_1": np.array([2.0, 3.0]),
}

#: Lecture 000's starting weights, learning rate η and number of full-batch steps.
NETWORK_321_START = {
    "w1_1": np.array([0.2, 0.6, 1.0]),
    "w1_2": np.array([0.4, 0.8, 1.2]),
    "w2_1": np.array([1.0, 2.0]),
    "learning_rate": 0.0005,
    "steps": 5000,
}

#: The weights lecture 000's Keras listing printed after 5000 full-batch Adam steps (float32): its
#: hidden kernel (3, 2) and, because `Constant([[1.0, 2.0]])` was broadcast, a 2×2 output kernel.
NETWORK_321_LECTURE_KERAS = {
    "hidden": np.array([[0.3025748, 0.80548114], [0.49333417, 0.5067073], [0.6842524, 0.2076197]]),
    "output": np.array([[2.5133712, 2.5152776], [2.4867477, 2.4848893]]),
}


def network_321_inputs(n: int = 10_000, seed: int = 0) -> np.ndarray:
    """Lecture 000's inputs X (n, 3): standard normal, numpy's legacy seed 0 (`np.random.seed(0)`)."""
    return np.random.RandomState(seed).randn(n, 3)


# --- Assignment 4: house prices (lecture 004) -------------------------------

#: Lecture 004's ten houses: size in square feet and bedrooms (10, 2), sold price in dollars (10,).
#: The lecture heads the first column "average price per square meter"; its values (1,380–3,000)
#: and the listing it comes from are house sizes in square feet.
HOUSES = {
    "size_sqft": np.array([2104, 1600, 2400, 1416, 3000, 1985, 1534, 1427, 1380, 1494], dtype=float),
    "bedrooms": np.array([3, 3, 3, 2, 4, 4, 3, 3, 3, 3], dtype=float),
    "price": np.array([399900, 329900, 369000, 232000, 539900, 299900, 314900, 198999, 212000, 242500],
                      dtype=float),
}


def standardise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(standardised, mean, std) of values (n,) or (n, d), column by column, population std (ddof 0)."""
    values = np.asarray(values, dtype=float)
    mean, std = values.mean(axis=0), values.std(axis=0)
    return (values - mean) / std, mean, std


# --- Assignment 5: a network with several outputs (no lecture data: synthetic) ---

def three_classes(n_per_class: int = 50, seed: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """X (3·n_per_class, 2) and labels (3·n_per_class,): three classes no straight line separates.

    Synthetic, drawn for this course with numpy's default_rng(seed): class 0 a blob of radius about
    0.5 around the origin; classes 1 and 2 the upper and lower halves of a ring of radius about 2
    around it. A softmax of the inputs alone (no hidden layer) cannot fence off the blob.
    """
    rng = np.random.default_rng(seed)
    blob = rng.normal(0, 0.45, (n_per_class, 2))
    angles = np.concatenate([rng.uniform(0, np.pi, n_per_class),
                             rng.uniform(np.pi, 2 * np.pi, n_per_class)])
    radii = rng.normal(2.0, 0.25, 2 * n_per_class)
    ring = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    X = np.vstack([blob, ring])
    labels = np.repeat([0, 1, 2], n_per_class)
    return X, labels


#: The visible checks' network, made up for them: 5 records X (5, 2) with labels (5,) in {0, 1, 2},
#: 4 tanh hidden units W1 (2, 4), b1 (4,), 3 outputs W2 (4, 3), b2 (3,). No weight is 0 or 1 and no two
#: hidden units are alike: a wrong backward pass cannot hide behind a symmetry.
SOFTMAX_NETWORK_EXAMPLE = {
    "X": [[0.5, -1.2], [1.5, 0.3], [-0.7, 0.8], [0.2, 2.1], [-1.8, -0.4]],
    "labels": [2, 0, 1, 1, 0],
    "W1": [[0.4, -0.9, 0.3, 0.7], [-0.6, 0.2, 0.8, -0.5]],
    "b1": [0.1, -0.2, 0.3, -0.4],
    "W2": [[0.6, -0.3, 0.9], [-0.8, 0.5, 0.2], [0.3, 0.7, -0.6], [-0.4, -0.9, 0.5]],
    "b2": [0.2, -0.1, 0.3],
}
