"""Shared test helpers: frame builders, update factories, server fixtures."""
