"""Adapters: the technologies behind the domain's ports, and the web front."""
