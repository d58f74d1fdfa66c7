"""Reference data shipped with the package (read-only, versioned with the code)."""
