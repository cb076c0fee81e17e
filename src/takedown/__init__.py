"""takedown: find, prove and remove non-consensual intimate imagery for victim-support centers."""

__version__ = "0.1.0"
