"""The pure domain core: value objects, household model and monitoring vocabulary.

Imports only the standard library (an import-linter contract enforces it), so a rule means the
same thing in a unit test, a web request and a batch run.
"""
