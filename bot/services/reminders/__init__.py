"""Reminders (提醒): staff schedule a message to their groups, once or recurring (/remind, /reminders)."""
