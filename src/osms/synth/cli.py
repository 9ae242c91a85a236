"""``osms synth``: the synthetic country (being written)."""


def synth_command() -> None:
    """Write the synthetic country's CSV files."""
