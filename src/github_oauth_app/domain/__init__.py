"""The OAuth sign-in domain: models, ports and the sign-in service.

Nothing here imports a web framework, an HTTP client or a settings library; the
adapters and the composition root bring those.
"""
