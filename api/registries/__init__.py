"""The shared registries: each module describes one `RecordKind` and its domain rules."""
