"""Hip Rest performance benchmark: ``python -m benchmarks`` (``make bench``).

Every figure is measured beside a minimal ask-sdk hello-world skill
(:mod:`benchmarks.hello_skill`) in the same run, and reported as a ratio to it,
because absolute numbers on a shared machine drift from run to run.
"""
