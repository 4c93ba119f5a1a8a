"""Sign in with GitHub: an async Quart app built around a pure OAuth domain."""

__all__ = ["__version__"]

__version__ = "0.1.0"
