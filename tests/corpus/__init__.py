"""Bad-input corpus: files broken the ways county spreadsheets arrive broken, written from code.

`python -m tests.corpus.build OUT` writes every case under OUT/<source>/; the tests build them
into a temporary folder. Each case states what `etl-project validate` must answer for it.
"""
