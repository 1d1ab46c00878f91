-- Projection of the LMDB `penalties` database, for `p2pmq audit`.
CREATE TABLE penalties (
    n           INTEGER PRIMARY KEY,  -- the LMDB key: dense, in recording order
    peer        TEXT    NOT NULL,
    at_ns       INTEGER NOT NULL,
    topic       TEXT    NOT NULL,
    msg_id      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    score_delta REAL    NOT NULL
);

CREATE INDEX penalties_by_peer ON penalties (peer, at_ns);
