"""Project tooling run from the Makefile, outside the app (``make audit``)."""
