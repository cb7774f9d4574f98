"""Synthetic stand-in for the CA-1 release: same format and quirks, planted and known answers."""
