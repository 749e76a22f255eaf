"""Instructor-only tools: reference implementations, the grading pipeline, the build.

Never installed for students; importable from the course root only.
"""
