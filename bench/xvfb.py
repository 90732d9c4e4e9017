"""A private virtual X display for window tests and the frame-rate benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess


class NoDisplay(RuntimeError):
    """No X display could be had."""


def start_xvfb(screen: str = "1280x800x24") -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display number (``-displayfd`` lets it pick one and tell us), and
    return the process and its ``DISPLAY``."""
    if shutil.which("Xvfb") is None:
        raise NoDisplay("no Xvfb: install xvfb or run under a display")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        raise NoDisplay("Xvfb did not start")
    return proc, f":{number}"
