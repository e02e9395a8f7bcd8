"""Blocking work handed from the event loop to a thread pool of one's choosing."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

T = TypeVar("T")


async def run_in(executor: Executor, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in ``executor``, in the calling task's context (its audit
    scope and trace span), as :func:`asyncio.to_thread` carries it to the default pool."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        executor, functools.partial(context.run, function, *args))
