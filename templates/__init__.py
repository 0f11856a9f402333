"""Every user-facing text: templates/<locale>/<feature>_<outcome>.j2 (shipped as package data of bot.templates)."""
