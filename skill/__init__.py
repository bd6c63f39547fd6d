"""Hip Rest: an Alexa skill for night-time hip pain (general wellness guidance)."""
