"""Goals: what a user works towards, with progress counted from their tasks."""
