"""Reference data of the enrichment service (CHPL codes, country risk), with sources noted."""
