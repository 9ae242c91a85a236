"""OSMS: the information system of Kazakhstan's compulsory social health insurance fund."""

__version__ = "0.1.0"
