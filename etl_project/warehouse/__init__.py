"""The warehouse: the engine that opens, writes and swaps its tables (engine, pg_locks), and what is
built in it from staging: dimensions, marts, monitoring tables, names, fingerprints and build
generations, the run summary, the published read copy and the BI bundle. Below it: schemas, core.
"""
