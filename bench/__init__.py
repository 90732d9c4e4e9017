"""Benchmarks that drive a real ``khasan-server`` process over loopback; see bench/README.md."""
