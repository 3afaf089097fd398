"""Recipes for web frameworks, as importable modules: FastAPI/Starlette (a lifespan), Django
(an app config), Flask (an extension). Each makes one `xo_web.server.Tracker` per process at
startup from the framework's configuration and closes it at shutdown; none imports its
framework at module level beyond what it subclasses, so importing one costs nothing else.
See docs/server-frameworks.md.
"""
