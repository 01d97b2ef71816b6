"""Training domain: catalogue, matching, scheduling, exchange, effectiveness.

May import `evaluation`; never `app` or Litestar.
"""
