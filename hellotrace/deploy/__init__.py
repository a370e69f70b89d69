"""Running several site processes ("nodes") behind nginx: its configuration, and the parent process of
`python app.py --workers N` that starts and supervises the whole group on one machine."""
