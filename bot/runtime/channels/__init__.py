"""Input channels of the shop assistant."""
