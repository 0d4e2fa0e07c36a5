"""One fake per port; tests import them from here."""
