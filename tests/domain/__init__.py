"""Story tests of the aggregates and the Messenger application, on a SQLite file."""
