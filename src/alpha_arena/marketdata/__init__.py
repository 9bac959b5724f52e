"""Market data: the DataService read path, sources, ingestion, integrity and resampling."""
