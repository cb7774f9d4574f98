"""Synthetic datasets used only by the tests (hostile text, small groups), built on core.synth."""
