"""A hotel's switchboard data: its rooms and its guests' stays (issue #11).

`rooms` and `stays` answer what the switchboard asks (who is in room 0812, which guest is called
张伟 or Mr. Miller), `stays_csv` loads both from the hotel's PMS export, `checkout` closes the
stays whose departure has passed. Like the rest of `bot/`, no Rasa here.
"""
