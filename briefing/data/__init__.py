"""Theme data files shipped with chipwire."""
