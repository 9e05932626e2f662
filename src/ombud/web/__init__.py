"""Reserved for a later issue; kept so the layer contract names every layer."""
