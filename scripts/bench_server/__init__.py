"""`make bench-server`: xo_web.server against the peers' server SDKs, one run, one local sink.

The runner (`__main__`) starts one sink (`sink.py`, a subprocess HTTP server on 127.0.0.1
that counts activities in any of the three SDKs' body shapes), then runs each section listed
in `SECTIONS` in order and prints its rows. A section is a module with
``run(context: Context) -> list[Row]``; a listed module that does not exist yet (the relay's,
added by its own branch) is reported as absent, not an error.
"""
