"""rallyc: lint, compile and run team specs for AI coding agent teams."""

__version__ = "0.1.0"
