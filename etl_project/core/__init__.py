"""Rules every layer shares and that know no table: personal data and its keyed masks, ID numbers,
amounts and money units, regions and their reference data, text encodings, a file's refusals and
column-wise text work. It imports nothing of the project (tests/test_layers.py).
"""
