"""Benchmarks that print numbers (`make bench`); nothing here asserts a time."""
