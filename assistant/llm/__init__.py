"""LLM providers behind one interface: an OpenAI-compatible endpoint, the embedded llama.cpp server, a fake."""
