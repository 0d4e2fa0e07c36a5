"""Fixtures for the core tests: the job engines the contract suite runs on."""

from tests.core.jobs_engines import jobs_engine_factory

__all__ = ["jobs_engine_factory"]
