"""The Khasan client: a pyglet window and a headless bot over the same protocol.

Everything that can be plain Python is (``ground``, ``mirror``, ``session``, ``camera``,
``selection``, ``meshes``, ``palette``) so it is tested without a window; ``render``, ``hud`` and
``app`` are the thin pyglet layer on top, ``net`` the websocket thread.
"""
