"""How a length of time reads everywhere the report, its summary or the Feedback tab
shows one: seconds under a minute ("22 s", never "0 min"), minutes and seconds above."""

from __future__ import annotations


def spoken_duration(seconds: float) -> str:
    """ "22 s", "1 min 05 s", "14 min"; a positive time under half a second is "1 s"."""
    whole = round(seconds)
    if whole < 60:
        return f"{max(whole, 1 if seconds > 0 else 0)} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
