"""Page routes, one module per area of work."""
