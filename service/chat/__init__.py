"""ChatOps: the chat query language and Slack / Mattermost / Teams adapters (issue 5)."""
