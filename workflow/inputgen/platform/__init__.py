"""The platform: how a study runs, knowing no study by name. The config and its schema, the
stage framework (a study's settings, files and command line), artifacts and their provenance
records, verification, the run's summary and the command line."""
