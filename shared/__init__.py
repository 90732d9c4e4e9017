"""The game itself, pure and deterministic: rules, map, units and protocol.

Nothing here touches a socket, an event loop, a window or a database; the server and the client
are adapters around this package.
"""
