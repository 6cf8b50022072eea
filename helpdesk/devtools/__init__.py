"""Tools for developing and testing the helpdesk; nothing here runs in production."""
