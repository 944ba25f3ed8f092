"""Market data: providers (yahoo, demo, csv) behind one small interface."""
