"""Evaluation domain: the organisation being evaluated, rubrics, cycles, responses, analytics.

Never imports `app` or Litestar: functions take plain values or polars frames.
"""
