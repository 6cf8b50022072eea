"""Microsoft Teams: cards posted to channels (rules with the Teams action),
and commands from channels (an outgoing webhook @mentions the helpdesk)."""
