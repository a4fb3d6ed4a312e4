"""Domain and storage of the informational-interview portal. Never imports streamlit."""
