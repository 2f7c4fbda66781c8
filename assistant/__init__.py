"""The merchant assistant: LLM provider, generators, chat agent, HTTP API and web widget."""
