"""``gradcheck`` and ``gradgradcheck``: analytical gradients against finite differences.

Mirrors ``torch.autograd.gradcheck`` (the "slow" mode): for every input that
requires grad and every output, the full Jacobian is built twice, once by
central differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` and once row by row
with ``autograd.grad`` and one-hot output gradients, and the two must agree
within ``atol + rtol * |numerical|``.  ``fast_mode`` is accepted and runs the
same full check.  Complex inputs and outputs are checked through their real and
imaginary parts (Wirtinger calculus is not attempted): Ember supports real dtypes here.
"""

import warnings

import numpy as np


__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when a check fails (a RuntimeError)."""


def _as_tuple(x):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def _differentiable_outputs(outputs):
    return tuple(o for o in outputs if _is_tensor(o) and
                 (o._dtype.is_floating_point or o._dtype.is_complex))


def _host(arr):
    """A NumPy copy of an array (CuPy arrays are copied to the host)."""
    if isinstance(arr, np.ndarray):
        return np.array(arr, dtype=np.float64 if arr.dtype.kind != "c" else np.complex128)
    return np.array(arr.get())


def _eval(func, inputs):
    # grad mode stays on: gradgradcheck's function calls autograd.grad itself
    outs = _as_tuple(func(*inputs))
    return [_host(o._data).reshape(-1) for o in _differentiable_outputs(outs)]


def get_numerical_jacobian(func, inputs, eps=1e-6):
    """Per (input, output) pair, the ``[input.numel(), output.numel()]`` Jacobian by
    central differences; inputs that do not require grad are skipped."""
    inputs = _as_tuple(inputs)
    base = _eval(func, inputs)
    result = []
    for x in inputs:
        if not (_is_tensor(x) and x.requires_grad):
            continue
        data = x._data
        jac = [np.zeros((data.size, b.size), dtype=np.float64) for b in base]
        for j in range(data.size):
            idx = np.unravel_index(j, data.shape)
            orig = data[idx].item()
            data[idx] = orig - eps
            minus = _eval(func, inputs)
            data[idx] = orig + eps
            plus = _eval(func, inputs)
            data[idx] = orig
            for k, (p, m) in enumerate(zip(plus, minus)):
                d = (p - m) / (2 * eps)
                jac[k][j] = d.real if np.iscomplexobj(d) else d
        result.append(jac)
    return result


def get_analytical_jacobian(inputs, outputs, nondet_tol=0.0, grad_out=1.0):
    """Jacobians of ``outputs`` w.r.t. the ``inputs`` that require grad, by backward passes.

    Returns ``(jacobians, reentrant, sizes_ok, dtypes_ok)`` like PyTorch's helper;
    ``jacobians[i][k]`` has shape ``[inputs[i].numel(), outputs[k].numel()]``."""
    from ..ops.creation import zeros_like
    from . import grad as autograd_grad
    diff_in = [x for x in _as_tuple(inputs) if _is_tensor(x) and x.requires_grad]
    outs = _differentiable_outputs(_as_tuple(outputs))
    jacs = [[np.zeros((x.numel(), o.numel()), dtype=np.float64) for o in outs] for x in diff_in]
    reentrant = True
    sizes_ok = dtypes_ok = True
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for j in range(o.numel()):
            go = zeros_like(o, memory_format="contiguous")
            go._data[np.unravel_index(j, go._data.shape)] = grad_out
            first = autograd_grad(o, diff_in, go, retain_graph=True, allow_unused=True)
            again = autograd_grad(o, diff_in, go, retain_graph=True, allow_unused=True)
            for i, (g, g2) in enumerate(zip(first, again)):
                if g is None:
                    continue
                if tuple(g.shape) != tuple(diff_in[i].shape):
                    sizes_ok = False
                    continue
                if g._dtype is not diff_in[i]._dtype or g._device != diff_in[i]._device:
                    dtypes_ok = False
                a = _host(g._data).reshape(-1)
                jacs[i][k][:, j] = a.real if np.iscomplexobj(a) else a
                if g2 is None or np.max(np.abs(a - _host(g2._data).reshape(-1)), initial=0) > nondet_tol:
                    reentrant = False
    return jacs, reentrant, sizes_ok, dtypes_ok


def _to_tensor(a):
    from ..ops.creation import tensor
    from .._dtype import float64
    return tensor(a, dtype=float64)


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """``torch.autograd.gradcheck``: True when analytical and numerical Jacobians agree.

    On a mismatch raises ``GradcheckError`` ("Jacobian mismatch for output i with
    respect to input j, numerical:... analytical:...") or returns False when
    ``raise_exception=False``.  Batched and forward-mode checks are not run.
    """
    tupled = _as_tuple(inputs)
    if not any(_is_tensor(x) and x.requires_grad for x in tupled):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    for i, x in enumerate(tupled):
        if _is_tensor(x) and x.requires_grad and x._dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are not "
                          "of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    outputs = _differentiable_outputs(_as_tuple(func(*tupled)))
    if not check_backward_ad:
        return True
    numerical = get_numerical_jacobian(func, tupled, eps=eps)
    if not any(o.requires_grad for o in outputs):
        for jac in numerical:
            for n in jac:
                if n.size and not np.allclose(n, 0, rtol=rtol, atol=atol):
                    return _fail("Numerical gradient for function expected to be zero",
                                 raise_exception)
        return True
    analytical, reentrant, sizes_ok, dtypes_ok = get_analytical_jacobian(tupled, outputs, nondet_tol)
    if not sizes_ok:
        return _fail("Analytical gradient has incorrect size", raise_exception)
    if check_grad_dtypes and not dtypes_ok:
        return _fail("Gradient has dtype mismatch", raise_exception)
    diff_pos = [i for i, x in enumerate(tupled) if _is_tensor(x) and x.requires_grad]
    for i, (num_i, ana_i) in enumerate(zip(numerical, analytical)):
        for k, (n, a) in enumerate(zip(num_i, ana_i)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {k} with respect to input "
                             f"{diff_pos[i]},\nnumerical:{_to_tensor(n)!r}\n"
                             f"analytical:{_to_tensor(a)!r}\n", raise_exception)
    if not reentrant:
        return _fail("Backward is not reentrant, i.e., running backward with same input and "
                     "grad_output multiple times gives different values, although analytical "
                     "gradient matches numerical gradient.The tolerance for nondeterminism was "
                     f"{nondet_tol}.", raise_exception)
    if check_undefined_grad and not _check_undefined_grad(tupled, func, raise_exception):
        return False
    return True


def _check_undefined_grad(inputs, func, raise_exception):
    """Backward must accept undefined (zero) output gradients and give zero input gradients."""
    from ..ops.creation import zeros_like
    from . import grad as autograd_grad
    diff_in = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    outs = [o for o in _differentiable_outputs(_as_tuple(func(*inputs))) if o.requires_grad]
    if not outs:
        return True
    try:
        grads = autograd_grad(outs, diff_in, [zeros_like(o) for o in outs], allow_unused=True)
    except RuntimeError as e:
        return _fail("Expected backward function to handle undefined output grads. Please look at "
                     f"\"Notes about undefined output gradients\" in \"tools/autograd/derivatives.yaml\"\n{e}",
                     raise_exception)
    for g in grads:
        if g is not None and np.any(_host(g._data) != 0):
            return _fail("Expected all input grads to be undefined or zero when all output grads "
                         "are undefined or zero.", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """``torch.autograd.gradgradcheck``: gradcheck of the gradient function itself.

    The checked function maps ``(inputs, grad_outputs)`` to the input gradients,
    built with ``create_graph=True``; random ``grad_outputs`` (float64, in
    [-1, 1), requiring grad) are made when none are given.
    """
    from ..ops.creation import tensor
    from . import grad as autograd_grad
    tupled = _as_tuple(inputs)
    outputs = _differentiable_outputs(_as_tuple(func(*tupled)))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            tensor(rng.uniform(-1, 1, size=o.shape).astype(o._dtype.np_dtype), dtype=o._dtype,
                   device=o.device, requires_grad=True) for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(tupled)
    diff_pos = [i for i, x in enumerate(tupled) if _is_tensor(x) and x.requires_grad]

    def new_func(*all_inputs):
        ins = all_inputs[:n_in]
        gos = all_inputs[n_in:]
        outs = _differentiable_outputs(_as_tuple(func(*ins)))
        pairs = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
        diff = [ins[i] for i in diff_pos]
        if not pairs:
            return tuple()
        grads = autograd_grad([p[0] for p in pairs], diff, [p[1] for p in pairs],
                              create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
