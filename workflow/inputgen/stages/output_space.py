"""Stages of this study (being moved here from inputgen.cli)."""
