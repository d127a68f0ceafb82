"""Finite-difference gradient checks. Introduced in lesson 04.

A hand-written backward pass is only trustworthy once it agrees with a gradient computed
another way. ``numerical_gradient`` estimates the gradient of any scalar function by
nudging one input at a time (central differences); ``max_difference`` and
``relative_error`` say how far two gradients are apart.

Central differences cost two function calls per input entry, so use them on small
arrays (a kernel, a few images), in float64, where the estimate is good to about 1e-8
(``relative_error`` says which errors mean right).
"""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar ``f(x)`` at ``x`` by central differences, in float64.

    ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry ``i`` of ``x``. ``f``
    receives a float64 copy of ``x`` (never ``x`` itself) and must return a number.

    >>> numerical_gradient(lambda v: (v**2).sum(), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    point = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    if point.size == 0:
        raise ValueError("x is empty: there is no gradient to estimate")
    if not eps > 0:
        raise ValueError(f"eps={eps!r} must be a positive step")
    grad = np.empty_like(point)
    flat, grad_flat = point.reshape(-1), grad.reshape(-1)  # views of point and grad
    for i in range(flat.size):  # one entry at a time: that is what makes it slow but simple
        old = flat[i]
        flat[i] = old + eps
        up = float(f(point.copy()))
        flat[i] = old - eps
        down = float(f(point.copy()))
        flat[i] = old
        grad_flat[i] = (up - down) / (2 * eps)
    return grad


def max_difference(a, b) -> float:
    """The largest absolute difference between two arrays of the same shape."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the arrays have shapes {a.shape} and {b.shape}: they must match")
    return float(np.abs(a - b).max()) if a.size else 0.0


def relative_error(a, b) -> float:
    """``max|a - b|`` divided by the larger of ``max|a|`` and ``max|b|`` (0 when both are 0).

    One scale for the whole array, not CS231n's entry-by-entry ``|a - b| / max(|a|, |b|)``.
    Against float64 finite differences, a right gradient scores below about 1e-8 on a
    smooth loss (a conv layer, lesson 04's Exercise 4.3) and below about 1e-6 on a loss with
    kinks (ReLU, max pooling), where a nudge can cross a kink; float32 against float64
    gives ~1e-7; 1e-2 or more means a wrong gradient.
    """
    scale = max(float(np.abs(np.asarray(a, np.float64)).max(initial=0)),
                float(np.abs(np.asarray(b, np.float64)).max(initial=0)))
    return 0.0 if scale == 0 else max_difference(a, b) / scale
