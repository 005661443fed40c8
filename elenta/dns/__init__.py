"""DNS beyond pure rendering: zone validation, serials, record diffs, verification and lookups."""
