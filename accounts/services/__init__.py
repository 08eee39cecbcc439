"""Every write of the accounts app. Each function checks its actor and records an audit entry."""
