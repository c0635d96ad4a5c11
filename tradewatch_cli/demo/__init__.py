"""`tradewatch demo`: the whole pipeline in one process on bundled sample data."""
