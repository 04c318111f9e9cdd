"""The demo corpus generator and the demo summary (not part of the installed package)."""
