"""Mappers: pure functions between Exact records and host fields (OCA connector's word)."""
