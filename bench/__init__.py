"""Benchmarks: ``make bench`` (``python -m bench``).

Each ``bench/<domain>.py`` exposes ``run()``; the harness is in ``bench/common.py``.
"""
