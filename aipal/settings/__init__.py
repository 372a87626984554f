"""Settings modules: ``base`` (everything), ``local``, ``production``, ``test``."""
