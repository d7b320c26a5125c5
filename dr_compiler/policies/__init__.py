"""Stage 4: the policy engine, its rules (one module each under rules/) and the catalog."""
