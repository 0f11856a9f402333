"""Schedules: things that happen at stored times (reminders, activity reminders, escalations, digests,
housekeeping), each fire recorded under (schedule, fire time) so it happens exactly once."""
