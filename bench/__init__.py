"""Khet's benchmarks: speed and memory are measured here, never asserted as timings in unit tests.

``python -m bench.web``       requests per second and latency of the served app
``python -m bench.services``  the shared services: running numbers, bookings, uploads
"""
