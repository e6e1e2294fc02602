"""Optional language features (extra `nlp`): sentiment of posts and themes of open answers.

torch and transformers are imported lazily, inside functions, so the bot runs without them.
"""
