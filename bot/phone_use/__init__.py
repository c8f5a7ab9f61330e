"""Phone-use rules (电话使用规定, #12 point 6): staff request an outside or long-distance call, the head of
their department approves or declines it, an urgent call made before approval must be approved within
3 days or it is flagged, and a monthly report per department (requests.py, report.py)."""
