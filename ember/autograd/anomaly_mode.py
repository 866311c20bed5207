"""Anomaly detection: ``detect_anomaly`` and ``set_detect_anomaly``.

When enabled, every node remembers the stack of the forward call that made it,
and the engine checks each backward's results: a NaN raises a RuntimeError
naming the node, after a warning that shows where in the forward it was made.
"""

import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


class _AnomalyState:
    enabled = False
    check_nan = True


anomaly_state = _AnomalyState()


def is_anomaly_enabled():
    return anomaly_state.enabled


def is_anomaly_check_nan_enabled():
    return anomaly_state.check_nan


class detect_anomaly:
    """Context manager that enables anomaly detection inside the block."""

    def __init__(self, check_nan=True):
        self.prev = anomaly_state.enabled
        self.prev_check = anomaly_state.check_nan
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        anomaly_state.enabled = True
        anomaly_state.check_nan = self.check_nan

    def __exit__(self, *exc):
        anomaly_state.enabled = self.prev
        anomaly_state.check_nan = self.prev_check


class set_detect_anomaly:
    """Turn anomaly detection on or off; as a context manager it restores the old setting."""

    def __init__(self, mode, check_nan=True):
        self.prev = anomaly_state.enabled
        self.prev_check = anomaly_state.check_nan
        anomaly_state.enabled = bool(mode)
        anomaly_state.check_nan = check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        anomaly_state.enabled = self.prev
        anomaly_state.check_nan = self.prev_check


def check_node_outputs(node, grads):
    """Raise if ``node``'s backward produced NaNs (anomaly mode); the engine then shows the
    forward trace of the failing node."""
    if not anomaly_state.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        xp_isnan = g._data != g._data
        if bool(xp_isnan.any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def report_forward_trace(node):
    """Warn with the stack of the forward call that made ``node`` (PyTorch's anomaly report)."""
    if node._trace:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      "the error:\n" + "".join(node._trace), stacklevel=2)
