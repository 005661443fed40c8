"""A test subsystem that provides the `dns_servers` fact in place of the DNS subsystem."""
