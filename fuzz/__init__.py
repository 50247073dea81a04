"""Coverage-guided fuzz targets (atheris/libFuzzer) for the parsers raw input reaches first.

Run one by hand: ``python -m fuzz TARGET [libFuzzer flags]``, e.g. ``python -m fuzz envelope
-max_total_time=300``; ``python -m fuzz`` alone names them. A crash leaves ``crash-*`` (the
input, which may hold whatever the fuzzer made up, never production data) in the working directory.
"""
