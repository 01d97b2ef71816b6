"""Accounts: users with one role each, server-side sessions, guards."""
