"""The reports as pure functions of the diagnosis record (diagnosis.json's dict), and their
atomic publishing: the verdict, the path picture, the HTML page, issue.md.

Nothing here knows pytest; fixtures/ collects the records and calls these.
"""
