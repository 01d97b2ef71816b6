"""Notifications: rendered from templates (`messages.py`), queued in the outbox in the
transaction that decides them (`store.py`), and delivered by a worker through the transport
the settings name (`transports.py`, `worker.py`) — never inside a request."""
