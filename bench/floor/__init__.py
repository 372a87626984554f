"""The floor of the benchmark: a bare Django JSON view with no middleware, served like the app."""
