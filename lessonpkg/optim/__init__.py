"""Optimizers that update a params dict in place, step for step like ``torch.optim``.

An optimizer holds the arrays of a module's ``params`` and keeps its own state:
a dict of buffers per parameter name (named like torch's) and a step counter
``t``. There is no ``zero_grad``: gradients are values returned by
``backward`` and handed to ``step``, which never stores or modifies them::

    opt = lp.Adam(model.params, lr=1e-3)
    out, cache = model.forward(x)
    dx, grads = model.backward(dout, cache)
    opt.step(grads)                        # model.params' arrays change in place

In every update below ``p`` is one parameter array, ``g`` its gradient and
``t`` the step number (1 on the first call). All four optimizers begin alike:
``g = -g`` if ``maximize``, then ``g = g + weight_decay * p`` if
``weight_decay != 0`` (Adam with ``decoupled_weight_decay`` instead shrinks
``p *= 1 - lr * weight_decay``).
"""

from lessonpkg.optim.adagrad import Adagrad
from lessonpkg.optim.adam import Adam
from lessonpkg.optim.optimizer import Optimizer
from lessonpkg.optim.rmsprop import RMSprop
from lessonpkg.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam"]
