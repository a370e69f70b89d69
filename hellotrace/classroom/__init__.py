"""The classroom: classes and their students, where the presenter is, learners' progress, and the live fan-out
that carries the presenter's moves to followers. No Flask here: functions take an SQLAlchemy Session."""
