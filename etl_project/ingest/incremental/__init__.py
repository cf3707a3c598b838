"""Which files a pass must read and whether a file's last load stands: the incremental layer for raw files (the one for tables is etl_project/warehouse/incremental)."""
