"""One module per rule of the catalog; each defines `RULE`."""
