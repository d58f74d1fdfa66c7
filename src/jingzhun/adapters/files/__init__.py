"""File adapters: read registry and feed tables from CSV (UTF-8, UTF-8-BOM, GBK), XLSX and Parquet."""
