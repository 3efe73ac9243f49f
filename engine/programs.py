"""Compiled programs, bounded: one jitted function per (program, spec), least recently used evicted.

`jax.jit` keeps every program it compiles for as long as the jitted function lives, and a module-level jitted
function lives for ever: a server that sees many networks (a class of thirty, each trying a few) grew by ≈ 570
memory mappings and ≈ 28 MB per network until LLVM ran out of mappings and the process died. Here each spec
gets its own jitted function, kept in one LRU table of at most `limits.MAX_PROGRAM_SPECS` specs; evicting a
spec clears its jitted functions' caches, which frees their executables (measured: see the README's hosting
section). A spec that comes back recompiles, from the persistent cache when it is on (≈ 0.15 s).

Programs compiled speculatively (the page's warm-up of neighbouring networks, `speculative()`) count in a
tier of their own, at most `limits.MAX_SPECULATIVE_SPECS`, evicted before any program a session has used; a
session that then uses one promotes it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax

from engine import limits

_lock = threading.Lock()
_used: OrderedDict[Any, dict[str, Any]] = OrderedDict()  # spec -> {program name: jitted}, oldest first
_spec: OrderedDict[Any, dict[str, Any]] = OrderedDict()  # the speculative tier
_local = threading.local()
_stats = {"compiled_specs": 0, "evicted_specs": 0}


@contextlib.contextmanager
def speculative() -> Iterator[None]:
    """Programs first created inside this block go to the speculative tier (evicted first)."""
    old = getattr(_local, "speculative", False)
    _local.speculative = True
    try:
        yield
    finally:
        _local.speculative = old


def _evict(table: OrderedDict, keep: int) -> list[dict[str, Any]]:
    out = []
    while len(table) > keep:
        out.append(table.popitem(last=False)[1])
    return out


def _lookup(name: str, fn: Callable, spec: Any, static_argnames: Sequence[str]) -> Any:
    spec_mode = getattr(_local, "speculative", False)
    with _lock:
        if spec in _used:
            _used.move_to_end(spec)
            table = _used
        elif spec in _spec and not spec_mode:
            _used[spec] = _spec.pop(spec)  # a session uses what the warm-up compiled: promote it
            table = _used
        elif spec in _spec:
            _spec.move_to_end(spec)
            table = _spec
        else:
            table = _spec if spec_mode else _used
            table[spec] = {}
            _stats["compiled_specs"] += 1
        progs = table[spec]
        jitted = progs.get(name)
        if jitted is None:
            jitted = progs[name] = jax.jit(functools.partial(fn, spec), static_argnames=tuple(static_argnames))
        gone = _evict(_spec, limits.MAX_SPECULATIVE_SPECS)
        gone += _evict(_used, limits.MAX_PROGRAM_SPECS)
        _stats["evicted_specs"] += len(gone)
    for progs in gone:
        for j in progs.values():
            j.clear_cache()
    if gone:
        _trim()
    return jitted


def _trim() -> None:
    """Hand the heap that compiling freed back to the system (glibc keeps it: ~500 MB after 60 networks)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def per_spec(*static_argnames: str) -> Callable[[Callable], Callable]:
    """Decorator: `fn(spec, *args, **kwargs)` jitted once per spec (static, hashable), with further static
    arguments by name. Inside another traced function call `fn.raw` (it is inlined there anyway)."""

    def wrap(fn: Callable) -> Callable:
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def call(spec: Any, *args: Any, **kwargs: Any) -> Any:
            jitted = _lookup(name, fn, spec, static_argnames)
            before = jitted._cache_size()
            t0 = time.perf_counter()
            out = jitted(*args, **kwargs)
            if jitted._cache_size() > before:  # this call compiled (dispatch is asynchronous, compiling is not)
                _local.compile_s = getattr(_local, "compile_s", 0.0) + time.perf_counter() - t0
            return out

        call.raw = fn  # type: ignore[attr-defined]
        call.compiled = lambda: compiled(name)  # type: ignore[attr-defined]
        return call

    return wrap


def compiled(name: str | None = None) -> int:
    """Compiled executables held now (of one program, by its qualified name, or of all)."""
    with _lock:
        progs = [p for t in (_used, _spec) for d in t.values() for n, p in d.items() if name in (None, n)]
    return sum(p._cache_size() for p in progs)


def held(spec: Any) -> bool:
    """Whether some program of this spec is held now (in either tier)."""
    with _lock:
        return spec in _used or spec in _spec


def take_compile_seconds() -> float:
    """Seconds this thread spent compiling since the last call (the page says so after a new network)."""
    s = getattr(_local, "compile_s", 0.0)
    _local.compile_s = 0.0
    return s


def is_compiled(spec: Any, name: str) -> bool:
    """Whether program `name` (qualified) has some compiled variant for this spec."""
    with _lock:
        progs = _used.get(spec) or _spec.get(spec) or {}
        j = progs.get(name)
    return j is not None and j._cache_size() > 0


def live_specs() -> tuple[int, int]:
    """(specs a session used, speculative specs) whose programs are held now."""
    with _lock:
        return len(_used), len(_spec)


def stats() -> dict[str, int]:
    """Specs compiled and evicted since start, and the ones held now."""
    used, spec = live_specs()
    return {**_stats, "held_specs": used, "held_speculative": spec}


def clear() -> None:
    """Drop every held program (tests; a server that must shed memory)."""
    with _lock:
        gone = list(_used.values()) + list(_spec.values())
        _used.clear()
        _spec.clear()
    for progs in gone:
        for j in progs.values():
            j.clear_cache()
