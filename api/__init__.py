"""vitalx: inter-department population and birth-information exchange."""
