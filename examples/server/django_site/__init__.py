"""A one-file Django project using xo_web's app config (settings, URLs and the view)."""
