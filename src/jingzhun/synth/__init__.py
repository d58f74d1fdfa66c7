"""Synthetic population, registry and department feeds for demos, tests and benchmarks.

Why it exists: real registry data about poor households is personal data that may not leave
a county office, yet every feature of jingzhun needs realistic input — households whose
income, labour, illness, housing and department events hang together. ``generate()`` builds
such a population deterministically (same seed, same bytes), calibrated to published
statistics (see ``profiles.py``); ``write()`` stores it in the canonical exchange format.
"""

from jingzhun.synth.build import SynthResult, generate
from jingzhun.synth.profiles import PROFILES, Profile
from jingzhun.synth.window import DEFAULT_AS_OF
from jingzhun.synth.writer import write

__all__ = ["DEFAULT_AS_OF", "PROFILES", "Profile", "SynthResult", "generate", "write"]
