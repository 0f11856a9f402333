"""Every user-facing text: templates/<locale>/<feature>/<outcome>.j2, rendered by name as
"<feature>/<outcome>" (features: requests, volunteers, community, points, common); short shared
labels in templates/<locale>/labels.j2. Shipped as package data of bot.templates."""
