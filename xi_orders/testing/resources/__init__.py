"""The API's resources, one module each: its handler and its validation, nothing else.

A handler is ``(core, ctx) -> CoreResponse``; the checks every Orders call shares (token,
rate limit, IM-* headers) have run before it (see ``_middleware``). Resources never import
``_middleware``, ``_router`` or the SDK's models; state changes go through ``_lifecycle``.
"""
