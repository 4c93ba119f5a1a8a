"""Offline checks of the delivery pipeline: workflows, Procfile, hooks, releases."""
