"""Backprop Playground's Streamlit app."""
