"""Grounded text generators: restock lists, marketing copy and customer replies (numbers rendered from data)."""
