"""/broadcast: a notice from staff to every neighbourhood group of a community, or some buildings'."""
