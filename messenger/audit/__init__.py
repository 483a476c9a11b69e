"""The auditor's replay of chat history, and its command line."""
