"""Streamlit glue shared by pages: the database handle, sign-in, the role guard, widgets."""
