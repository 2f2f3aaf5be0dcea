"""Speakers in mono recordings: embeddings, diarization (who spoke when) and roles."""
