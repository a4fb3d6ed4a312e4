"""Content library data files and the demo cohort."""
