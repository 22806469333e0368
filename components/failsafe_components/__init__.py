"""failsafe's reusable ComponentResources (one module per component)."""
