"""Tasks: units of work with a small status machine, optionally under a goal."""
