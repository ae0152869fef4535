"""Benchmarks (see bench/README.md); run as modules: `python -m bench.import_births`."""
