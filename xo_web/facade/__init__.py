"""The JavaScript face: the table of JS names, the calls by those names, and the xo.js loader."""
