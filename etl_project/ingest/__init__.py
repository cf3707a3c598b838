"""Ingest: raw files into the warehouse's staging tables.

The resources naming the raw folder and the warehouse, one partition per raw file, what each file's
last load was and which files a pass must read, the readers of spreadsheets and CSV files, and the
staging of each source with its rules. Below it: reports, warehouse, schemas, core.
"""
