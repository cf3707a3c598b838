"""Assets by layer: raw → staging → warehouse → marts."""
