"""The voice side of the receptionist: speech in (vosk), speech out (pyttsx3/espeak-ng), SIP/RTP.

One module per concern (docs/voice.md has the map and the call flow). Nothing here imports
Rasa; the gateway talks to the dialogue over HTTP like any other channel.
"""
