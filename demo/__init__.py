"""The xo_web demo: a storefront and a local XO-compatible collector."""
