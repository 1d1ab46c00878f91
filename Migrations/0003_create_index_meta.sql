-- Which data dir this index was built from (its LMDB store id), and the penalty cursor.
CREATE TABLE index_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
