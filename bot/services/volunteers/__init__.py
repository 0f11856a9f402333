"""Volunteers: registration (guided or one line), their profile, and staff approval."""
