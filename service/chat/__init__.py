"""ChatOps: Slack / Mattermost / Teams adapters over the query language in service.query (issue 5)."""
