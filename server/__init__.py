"""The authoritative server: an asyncio adapter around ``shared``.

``gateway`` speaks the websocket protocol, ``lobby`` runs lobbies over a ``LobbyStore``,
``match`` runs one match's tick loop and fan-out, ``app`` wires them to a port.
"""
