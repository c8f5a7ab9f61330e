"""Extensions loaded by the Rasa server itself: the REST input channel and the transcript broker.

They adapt Rasa to `bot/`, like the custom actions do for the action server; decisions stay in `bot/`.
"""
