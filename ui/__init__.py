"""The Newsdesk web chat (Gradio)."""
