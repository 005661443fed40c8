"""Per-host data: the compiled lab as JSON on every host (`host.json`, `discovery.json`) for discovery."""
