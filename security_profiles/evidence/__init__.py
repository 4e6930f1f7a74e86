"""The evidence pack: checks run over an inventory, results, documents, signed manifest."""
