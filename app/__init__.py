"""cadre360 web layer: the Litestar composition root, accounts, controllers and CLI."""
