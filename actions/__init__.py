"""Rasa custom actions: a thin adapter between Rasa and the dialogue engine in `bot/`.

`action_receptionist` handles every caller turn and `action_transfer_result` every transfer
result the phone system reports; both read the tracker, call `bot.dialogue.engine.Receptionist`
and turn its reply into responses and slot events. Nothing here decides what to say.
"""
