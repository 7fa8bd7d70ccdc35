"""chatgate: business hours, agent presence and offline forms for a Django support chat."""

__version__ = "0.1.0"
