"""The Ziya2 paper's data-centric scaling law (its Eqs. 3-7):

    L(D) = D ** -alpha + E
    D    = (A * CH + B * RA + C * SIM) * V + F

CH, RA, SIM are the data's mean coherence, readability and similarity, V its volume in
tokens, D the effective data volume and L the model's loss. The paper's fit is
PAPER_FIT. `fit` estimates the six parameters from observed runs as the paper does:
the Huber loss (delta 1e-3) of log predicted minus log observed loss, minimised by
L-BFGS-B from a grid of starting points; A, B, C, F are fitted on a log scale so they
stay positive. `bootstrap` gives percentile intervals by refitting resampled runs.

What the data pins down: alpha, E, the ratios A : B : C : F and the predicted losses.
The common scale of A, B, C and F trades off almost exactly against a small change of
alpha and E (multiplying D by k multiplies D^-alpha by k^-alpha), so on runs generated
with the paper's values the fit returns them with that scale off by up to ~2x while the
ratios agree within a few percent (tests state the tolerances).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

PARAMS = ("alpha", "E", "A", "B", "C", "F")
PAPER_FIT = {"alpha": 0.06, "E": 0.31, "A": 1.66, "B": 1.98, "C": 0.70, "F": 1.24e10}


def effective_volume(ch, ra, sim, v, A=1.66, B=1.98, C=0.70, F=1.24e10):
    """D: the tokens a corpus is worth given its attributes (numbers or arrays)."""
    return (A * np.asarray(ch) + B * np.asarray(ra) + C * np.asarray(sim)) * np.asarray(v) + F


def predicted_loss(ch, ra, sim, v, alpha=0.06, E=0.31, A=1.66, B=1.98, C=0.70, F=1.24e10):
    return effective_volume(ch, ra, sim, v, A, B, C, F) ** -alpha + E


def huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _unpack(x: np.ndarray) -> dict[str, float]:
    alpha, e, la, lb, lc, lf = x
    return {
        "alpha": alpha,
        "E": e,
        "A": np.exp(la),
        "B": np.exp(lb),
        "C": np.exp(lc),
        "F": np.exp(lf),
    }


def _objective(x, ch, ra, sim, v, log_loss, delta, log_unit):
    """The fit's objective and its gradient in x (analytic: L-BFGS-B then needs one
    evaluation per step instead of seven for finite differences)."""
    p = _unpack(x)
    scaled = (p["A"] * ch, p["B"] * ra, p["C"] * sim)  # kept apart for the gradient
    d = (scaled[0] + scaled[1] + scaled[2]) * v + p["F"]  # effective_volume
    if np.any(d <= 0):
        return 1e6, np.zeros_like(x)
    log_unit_d = log_unit + np.log(d)
    power = np.exp(-p["alpha"] * log_unit_d)  # (unit * d) ** -alpha
    pred = power + p["E"]
    if not np.all(np.isfinite(pred)) or np.any(pred <= 0):
        return 1e6, np.zeros_like(x)
    r = np.log(pred) - log_loss
    # Divided by delta^2 (same minimum): otherwise the values are so small near the
    # optimum that L-BFGS-B stops early.
    value = float(huber(r, delta).sum() / (delta * delta))
    # d huber / d r is r clipped to +-delta; d r / d pred is 1 / pred.
    weight = np.clip(r, -delta, delta) / pred / (delta * delta)
    along_d = weight * (-p["alpha"] * power / d)  # d pred / d d, weighted
    grad = np.array([
        np.sum(weight * -power * log_unit_d),
        np.sum(weight),
        np.sum(along_d * scaled[0] * v),
        np.sum(along_d * scaled[1] * v),
        np.sum(along_d * scaled[2] * v),
        np.sum(along_d) * p["F"],
    ])  # fmt: skip
    return value, grad


# Starting grid: alpha, E, log A = log B = log C, log F (the paper's values are inside it).
_GRID = {
    "alpha": (0.03, 0.1, 0.3),
    "E": (0.1, 0.5, 1.0),
    "log_coef": (np.log(0.5), np.log(2.0)),
    "log_F": (np.log(1e6), np.log(1e10)),
}
_BOUNDS = [(1e-4, 2.0), (0.0, 10.0), (-10, 10), (-10, 10), (-10, 10), (-40.0, 40.0)]


@dataclass(frozen=True)
class Fit:
    params: dict[str, float]
    objective: float
    rows: int

    def predict(self, ch, ra, sim, v):
        return predicted_loss(ch, ra, sim, v, **self.params)


def _arrays(rows):
    arr = np.asarray(rows, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 5:
        raise ValueError("runs need five columns: ch, ra, sim, v, loss")
    if np.any(arr[:, 4] <= 0) or np.any(arr[:, 3] <= 0):
        raise ValueError("loss and v must be positive")
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], np.log(arr[:, 4])


def fit(rows, delta: float = 1e-3, starts: list[np.ndarray] | None = None) -> Fit:
    """Best fit over a grid of L-BFGS-B starts. `rows`: (ch, ra, sim, v, loss) per run."""
    from scipy.optimize import minimize

    ch, ra, sim, v, log_loss = _arrays(rows)
    # Volumes in units of their median keep the problem well scaled; F follows the unit.
    unit = float(np.median(v))
    v = v / unit
    if len(ch) < len(PARAMS):
        raise ValueError(f"fitting {len(PARAMS)} parameters needs at least {len(PARAMS)} runs")
    if starts is None:
        starts = [np.array([a, e, c, c, c, f]) for a, e, c, f in itertools.product(*_GRID.values())]
    starts = [_in_unit(x, unit) for x in starts]
    best = None
    for x0 in starts:
        res = minimize(
            _objective, x0, args=(ch, ra, sim, v, log_loss, delta, np.log(unit)), method="L-BFGS-B",
            jac=True, bounds=_BOUNDS, options={"maxiter": 5000, "maxfun": 20000, "ftol": 1e-20, "gtol": 1e-14},
        )  # fmt: skip
        if best is None or res.fun < best.fun:
            best = res
    # D in tokens = unit * D in units when F is rescaled the same way; A, B, C unchanged.
    return Fit(_from_unit(_unpack(best.x), unit), float(best.fun), len(ch))


def _in_unit(x: np.ndarray, unit: float) -> np.ndarray:
    """A start (log F in tokens) moved to volumes counted in `unit`s."""
    y = x.copy()
    y[5] = x[5] - np.log(unit)
    return y


def _from_unit(params: dict[str, float], unit: float) -> dict[str, float]:
    return {**{k: float(v) for k, v in params.items()}, "F": float(params["F"] * unit)}


def _pack(params: dict[str, float]) -> np.ndarray:
    return np.array([params["alpha"], params["E"], *np.log([params[k] for k in "ABCF"])])


def bootstrap(rows, n: int = 100, seed: int = 0, delta: float = 1e-3, best: Fit | None = None):
    """{param: (low, high)} 95% percentile intervals from `n` refits of resampled runs,
    each started from the full fit."""
    arr = np.asarray(rows, dtype=np.float64)
    best = best or fit(arr, delta)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        pick = arr[rng.integers(0, len(arr), len(arr))]
        samples.append(fit(pick, delta, starts=[_pack(best.params)]).params)
    return {
        k: (float(np.percentile([s[k] for s in samples], 2.5)),
            float(np.percentile([s[k] for s in samples], 97.5)))
        for k in PARAMS
    }  # fmt: skip
