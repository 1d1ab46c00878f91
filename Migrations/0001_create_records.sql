-- Projection of the LMDB `log` database for queries by DON, seq, time, peer and verdict.
-- One row per stored record; the report bytes stay in LMDB (looked up by topic and offset).
CREATE TABLE records (
    topic       TEXT    NOT NULL,
    "offset"    INTEGER NOT NULL,
    msg_id      TEXT    NOT NULL,
    received_ns INTEGER NOT NULL,
    from_peer   TEXT    NOT NULL,
    don         TEXT    NOT NULL,
    seq         INTEGER NOT NULL,  -- UInt64 stored as its Int64 bit pattern
    verdict     TEXT    NOT NULL CHECK (verdict IN ('ACCEPT', 'IGNORE', 'REJECT')),
    reason      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (topic, "offset")
) WITHOUT ROWID;

CREATE INDEX records_by_don_seq ON records (don, seq);
CREATE INDEX records_by_time ON records (received_ns);
CREATE INDEX records_by_peer ON records (from_peer, received_ns);

-- How far each topic of the log has been copied into `records`.
CREATE TABLE index_cursor (
    topic       TEXT    PRIMARY KEY,
    next_offset INTEGER NOT NULL
);
