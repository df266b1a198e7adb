"""MockFlow: a self-hostable AI mock-interview app."""

__version__ = "0.1.0"
