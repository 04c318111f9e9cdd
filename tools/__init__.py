"""Build and maintenance scripts (compare_lakes is importable by the tests)."""
