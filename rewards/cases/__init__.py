"""Snap-and-report (随手拍): a resident's photo of a problem, from report to a closed,
rated case."""
