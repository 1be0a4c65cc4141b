"""Console accounts: users, the password strength rule, the optional TOTP second factor and API
tokens, as use-case functions the console, the API and the CLI share. Read users.py first.
"""
