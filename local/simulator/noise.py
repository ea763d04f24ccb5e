"""Deterministic pseudo-random numbers derived from integer keys.

Everything the world and the metrics model invent comes from here, so the same seed
always gives the same shops, campaigns and numbers, in any process and any call order.
Uses a SplitMix64-style mixer: cheap enough to call per campaign-hour instead of keeping
large precomputed arrays. Must not use `random` or Python's `hash()` (salted per process
for strings).
"""

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def bits(*keys: int) -> int:
    """A 64-bit value determined by the ordered keys."""
    return derive(0, *keys)


def derive(state: int, *keys: int) -> int:
    """Continue `bits` from an earlier result: derive(bits(a, b), c) == bits(a, b, c).

    Lets hot loops hash the shared prefix (seed, campaign, day) once.
    """
    for key in keys:
        state = _mix(state ^ (key & _MASK))
    return state


def unit(*keys: int) -> float:
    """A float in [0, 1) determined by the keys."""
    return (bits(*keys) >> 11) / float(1 << 53)


def units(count: int, *keys: int) -> tuple[float, ...]:
    """`count` (<= 6) independent-enough floats in [0, 1) from a single hash: 10 bits each."""
    return split(bits(*keys), count)


def split(value: int, count: int) -> tuple[float, ...]:
    """`count` (<= 6) floats in [0, 1) from the 10-bit slices of one 64-bit value."""
    if count == 6:  # the hot path, unrolled
        return (
            (value & 0x3FF) / 1024.0,
            ((value >> 10) & 0x3FF) / 1024.0,
            ((value >> 20) & 0x3FF) / 1024.0,
            ((value >> 30) & 0x3FF) / 1024.0,
            ((value >> 40) & 0x3FF) / 1024.0,
            ((value >> 50) & 0x3FF) / 1024.0,
        )
    return tuple(((value >> (10 * i)) & 0x3FF) / 1024.0 for i in range(count))


def text_key(text: str) -> int:
    """A stable integer for a short label (e.g. a salt name)."""
    state = 0
    for byte in text.encode("utf-8"):
        state = _mix(state ^ byte)
    return state
