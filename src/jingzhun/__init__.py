"""jingzhun (精准): precise assistance against return to poverty.

Packages: ``domain`` (pure rules), ``policy`` (policy packs as data), ``services`` (use cases),
``adapters`` (database, files, engines), ``synth`` (synthetic counties), ``cli`` (Typer commands).
"""

__version__ = "0.1.0"
