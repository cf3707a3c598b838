"""Orchestration, the top layer: the Dagster definitions, sensors and runs, and the command line.

It may use every layer below it (assets, ingest, reports, warehouse, schemas, core); nothing below
uses it (tests/test_layers.py).
"""
