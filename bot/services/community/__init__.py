"""The community: people and their language, groups bound to a community, roles staff grant, and
where a private message that is not a command belongs."""
