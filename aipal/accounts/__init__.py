"""Users' profiles, authentication tokens and user administration."""
