"""Where classes, students and learners' progress are kept: SQLAlchemy models, the Flask-SQLAlchemy session,
migrations applied on start, and the site's persisted secret key."""
